"""Occupant use cases: room links, reports, requests and their triage."""
