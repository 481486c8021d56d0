"""The outbox and directory tables, and one adapter per outside channel (SMTP, Apprise)."""
