"""Alert tables."""
