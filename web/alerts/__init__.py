"""Alerts: the live list, acknowledging, and the link to each alert's work order."""
