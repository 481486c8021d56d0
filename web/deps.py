"""The services of the running app, reached through the container `create_app` was given."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from flask import current_app

if TYPE_CHECKING:
    from ingest.domain.profiles import Profile
    from udara.bootstrap import Container
    from web.iaq.readings import IaqReadings
    from web.tokens import TokenService


def container() -> Container:
    """The composition root of this app."""
    return cast("Container", current_app.extensions["udara"])


def now() -> datetime:
    """The current instant in UTC, from the container's clock."""
    return container().clock()


def tokens() -> TokenService:
    """API tokens."""
    from web.tokens import TokenService

    return cast(TokenService, container().token_service)


def readings() -> IaqReadings:
    """Downsampled reading queries."""
    from web.iaq.readings import IaqReadings

    return cast(IaqReadings, container().iaq_readings)


def profile() -> Profile:
    """The active threshold profile."""
    from ingest.domain.profiles import load_profile

    return load_profile(container().settings.threshold_profile)
