"""Rasa 3.6 as a separate tool: its own virtualenv, `rasa train nlu` and `rasa run` as child processes.

Rasa pins SQLAlchemy 1.4 and APScheduler < 3.10, so it never shares our environment and is never imported here:
everything goes through subprocesses and HTTP.
"""
