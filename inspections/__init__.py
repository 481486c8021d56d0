"""Inspections and cleaning audits: templates as data, inspections run on a phone, their
scores over time and the monthly audit summary; maintenance KPIs per building, crew and month
(issue #13)."""
