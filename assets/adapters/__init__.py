"""Asset tables."""
