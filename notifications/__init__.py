"""Notifications: an outbox of deliveries, routed by rules as data, sent by channel adapters."""
