"""Answers for the question intents, from content files that operators edit (content/*.yml)."""
