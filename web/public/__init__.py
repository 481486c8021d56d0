"""The public pages: a room's link (no login) and a building's lobby display."""
