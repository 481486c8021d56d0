"""Udara: indoor air quality and building maintenance for Indonesian office buildings."""

__version__ = "0.1.0"
