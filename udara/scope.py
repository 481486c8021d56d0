"""Which buildings a person may reach: the one value every channel and service passes on.

A scope of `None` buildings is every building (a single-site install, or the operator's
shell); otherwise exactly the buildings named. Pure: no database, no Flask.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """The buildings a user reaches; `buildings=None` means every building."""

    buildings: frozenset[str] | None = None

    @classmethod
    def of(cls, buildings: Iterable[str] | None) -> Scope:
        """A scope of these building codes; an empty or absent set is every building."""
        codes = frozenset(buildings or ())
        return cls(codes or None)

    @property
    def is_everything(self) -> bool:
        """True when no building is out of reach."""
        return self.buildings is None

    def allows(self, building: str | None) -> bool:
        """True when `building` is within reach (None: an object of no building)."""
        if self.buildings is None:
            return True
        return building is not None and building in self.buildings

    def covers(self, other: Scope) -> bool:
        """True when everything `other` reaches is within this scope too."""
        if self.buildings is None:
            return True
        return other.buildings is not None and other.buildings <= self.buildings

    def overlaps(self, other: Scope) -> bool:
        """True when the two scopes share at least one building."""
        if self.buildings is None or other.buildings is None:
            return True
        return bool(self.buildings & other.buildings)

    def narrow(self, building: str | None) -> frozenset[str] | None:
        """The buildings a query asking for `building` (None: any) may return.

        None means no restriction; an empty set means nothing can match.
        """
        if building is None:
            return self.buildings
        return frozenset({building}) if self.allows(building) else frozenset()

    def sorted(self) -> list[str]:
        """The building codes in order (empty for every building)."""
        return sorted(self.buildings or ())


EVERYTHING = Scope()
