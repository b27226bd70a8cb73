"""Indicators of the provincial plans (after-care, escalations, registrations, hotline volumes, CSAT).

Pure functions over a session, a period and a place filter; the figures are computed from stored rows and
events only (never from logs). `build_indicators` assembles them; `publish` suppresses small counts.
"""
