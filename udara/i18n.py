"""Words in the reader's language without Flask: for the CLI, the API's shapes, and pages alike.

There is one catalogue, the web's Babel catalogue (`web/translations`, compiled `.mo`
committed), loaded here with `babel.support.Translations`: a text worded for the CLI is
the same translation the pages show, and translators keep one `.po` file. English is the
source language (the msgids), so it needs no catalogue.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.support import Translations

LANGS: Final = ("id", "en")
DEFAULT_LANG: Final = "id"


def supported(lang: str | None) -> str:
    """`lang` when Udara speaks it, else the default (Indonesian)."""
    return lang if lang in LANGS else DEFAULT_LANG


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    # `web` imports nothing heavy at package level, so finding its folder loads no Flask.
    directory = resources.files("web").joinpath("translations")
    return Translations.load(str(directory), [lang])


class BabelWords:
    """One language's words: the catalogue's translations, Babel's numbers and dates."""

    def __init__(self, lang: str, tz: str | None = None) -> None:
        self.lang = supported(lang)
        self._translations = _catalogue(self.lang)
        try:
            self._zone = ZoneInfo(tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            self._zone = ZoneInfo("UTC")

    def gettext(self, message: str) -> str:
        """`message` (an English msgid) in this language."""
        return self._translations.gettext(message)

    def number(self, value: float) -> str:
        """A number with this language's separators (Indonesian: `1.250,5`)."""
        return format_decimal(value, format="#,##0.######", locale=self.lang)

    def instant(self, value: datetime) -> str:
        """Local wall-clock time with the zone's short name, e.g. `10 Mar 2026 10:00 WIB`."""
        local = value.astimezone(self._zone)
        text = format_datetime(local, "d MMM yyyy HH:mm", locale=self.lang)
        return f"{text} {local.tzname() or ''}".strip()


@cache
def words(lang: str, tz: str | None = None) -> BabelWords:
    """The words of `lang` (unknown: Indonesian), telling times in zone `tz` (default UTC)."""
    return BabelWords(lang, tz)
