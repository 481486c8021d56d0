"""Inspections' use cases: running one, scores over time, KPIs."""
