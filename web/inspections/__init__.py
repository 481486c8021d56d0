"""Inspections on a phone, the monthly audit summary, the KPI page."""
