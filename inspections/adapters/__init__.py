"""Inspections' tables."""
