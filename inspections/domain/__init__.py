"""Pure: inspection templates, audit scoring, KPI formulas (time is an argument)."""
