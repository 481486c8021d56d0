"""Maintenance tables."""
