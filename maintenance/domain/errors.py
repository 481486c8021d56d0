"""Exceptions the maintenance services raise; entrypoints map them to status codes."""

from __future__ import annotations


class MaintenanceError(Exception):
    """Base of every maintenance domain error."""


class NotFound(MaintenanceError):
    """The work order, plan, user or location does not exist (HTTP 404)."""


class NotAllowed(MaintenanceError):
    """The acting user's role or crew does not permit this action (HTTP 403)."""


class InvalidTransition(MaintenanceError):
    """The work order cannot move from its current status to the requested one (HTTP 409)."""


class InvalidInput(MaintenanceError, ValueError):
    """A value is missing, malformed or inconsistent (HTTP 422)."""
