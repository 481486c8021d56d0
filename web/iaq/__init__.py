"""Air quality pages: the room grid, room charts and the monthly compliance report."""
