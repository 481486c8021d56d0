"""The devices page: devices heard but not placed yet, placed ones, and their corrections."""
