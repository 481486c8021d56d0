"""Occupants' tables and the photo store."""
