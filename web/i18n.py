"""Language and time: Bahasa Indonesia by default, `?lang=en|id` remembered; local times."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from flask import Flask, request
from flask.wrappers import Response
from flask_babel import get_locale, lazy_gettext

from web.deps import container

DEFAULT_LOCALE = "id"
SUPPORTED = ("id", "en")
LANG_COOKIE = "udara_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600

lazy = lazy_gettext


def requested_lang() -> str | None:
    """The language asked for with `?lang=`, if it is one Udara speaks."""
    lang = request.args.get("lang", "").strip().lower()
    return lang if lang in SUPPORTED else None


def select_locale() -> str:
    """`?lang=` first, then the remembered choice, then (API only) Accept-Language, then
    Indonesian. Pages ignore Accept-Language: Indonesian is their default on purpose."""
    asked = requested_lang()
    if asked:
        return asked
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in SUPPORTED:
        return remembered
    if request.blueprint == "api":
        accepted = request.accept_languages.best_match(SUPPORTED)
        if accepted:
            return accepted
    return DEFAULT_LOCALE


def current_lang() -> str:
    """The language of this response, as an HTML `lang` value."""
    return str(get_locale() or DEFAULT_LOCALE)


def _remember_lang(response: Response) -> Response:
    """Keep a `?lang=` choice in a year-long cookie."""
    asked = requested_lang()
    if asked and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE, httponly=True, samesite="Lax"
        )
    return response


@cache
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or UTC when unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(value: datetime | None, tz: str | None = None, fmt: str = "d MMM yyyy HH:mm") -> str:
    """A UTC instant as wall-clock time in zone `tz`, with the zone's short name."""
    if value is None:
        return "–"
    local = value.astimezone(zone(tz or container().settings.timezone))
    text = format_datetime(local, fmt, locale=current_lang())
    return f"{text} {local.tzname() or ''}".strip()


def clock(value: datetime | None, tz: str | None = None) -> str:
    """Only the local time of day."""
    return when(value, tz, "HH:mm")


@cache
def _separators(lang: str) -> tuple[str, str]:
    """The decimal and thousands separators of `lang` (`,` and `.` in Indonesian)."""
    locale = Locale.parse(lang)
    return get_decimal_symbol(locale), get_group_symbol(locale)


@cache
def _quantum(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)


def format_number(value: float, digits: int, lang: str) -> str:
    """What Babel's `format_decimal(value, "#,##0.#…", locale=lang)` writes, in a tenth of the
    time (the room grid shows thousands of values): the value as written, rounded half-even
    to at most `digits` decimals without trailing zeros, grouped by thousands."""
    exact = Decimal(str(value))
    if not exact.is_finite() or digits < 0:
        pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
        return format_decimal(value, format=pattern, locale=lang)
    decimal_sep, group_sep = _separators(lang)
    whole, _, fraction = f"{abs(exact).quantize(_quantum(digits)):f}".partition(".")
    fraction = fraction.rstrip("0")
    text = f"{int(whole):,}".replace(",", group_sep) + (decimal_sep + fraction if fraction else "")
    return "-" + text if exact.is_signed() else text


def number(value: float | None, digits: int = 1) -> str:
    """A number in the reader's locale (Indonesian uses a decimal comma)."""
    if value is None:
        return "–"
    return format_number(value, digits, current_lang())


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal."""
    return "–" if value is None else number(value * 100, 1) + " %"


def _context() -> dict[str, Any]:
    return {"html_lang": current_lang(), "supported_langs": SUPPORTED}


def init_app(app: Flask) -> None:
    """Register the language cookie and the template filters."""
    app.after_request(_remember_lang)
    app.context_processor(_context)
    app.jinja_env.filters.update(when=when, clock=clock, number=number, percent=percent)
