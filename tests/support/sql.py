"""Counting the SQL statements code sends, to hold it to a bounded number."""

from __future__ import annotations

from sqlalchemy import Engine, event


class Statements:
    """Counts the statements sent through `engine` from now on."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1
