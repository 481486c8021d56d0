"""The crew member's phone-friendly list of their own work."""
