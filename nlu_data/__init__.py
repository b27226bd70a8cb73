"""Rasa-format NLU training data: the one source for both NLU engines (a package so it ships as data)."""
