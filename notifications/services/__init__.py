"""Notification use cases: routing events into the outbox, sweeping, dispatching, contacts."""
