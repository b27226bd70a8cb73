"""Handoff to the counsellors on duty: the queue the crisis check and the menu feed."""
