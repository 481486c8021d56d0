"""Pages reached from notifications: the one-tap acknowledge confirm page."""
