"""Pure maintenance rules: work-order transitions and roles, SLAs, recurrence, alert rules."""
