"""Facility manager administration: plans, users, the alert rules and the threshold profile."""
