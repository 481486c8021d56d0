"""The device registry: every sensor Udara hears, pending until placed on a room."""
