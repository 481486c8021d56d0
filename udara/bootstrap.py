"""The composition root: builds Udara's object graph from `Settings`.

Nothing here connects at import time; every adapter is created on first use.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from udara.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker


class Container:
    """Holds the adapters and services of one process, created lazily from settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def from_environment(cls) -> Container:
        """Build a container from the environment and `.env`."""
        return cls(Settings())

    @cached_property
    def engine(self) -> Engine:
        """The relational database engine."""
        from udara.db import make_engine

        return make_engine(self.settings.database_url)

    @cached_property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on the relational database."""
        from udara.db import make_session_factory

        return make_session_factory(self.engine)
