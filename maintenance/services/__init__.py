"""Maintenance use cases: what the CLI, the web API and the scheduler call."""
