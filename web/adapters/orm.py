"""Web tables (API tokens)."""
