"""Forms of the locations page. Operating hours are one field per weekday, put together in
the text syntax the CLI takes, so one parser (maintenance.domain.hours) checks them all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wtforms import IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from maintenance.domain.hours import DAYS
from maintenance.domain.model import ROOM_KINDS, TRAFFIC_LEVELS
from web.forms import Form
from web.i18n import lazy
from web.labels import WEEKDAY
from web.locations.labels import ROOM_KIND, TRAFFIC

CODE = r"^[a-z0-9_-]{1,64}$"
CODE_HINT = lazy("1-64 of a-z, 0-9, '-' and '_', as in the sensors' MQTT topics")


def _code_field(label: Any) -> StringField:
    return StringField(
        label, validators=[DataRequired(), Regexp(CODE, message=CODE_HINT)], description=CODE_HINT
    )


def _name_field() -> StringField:
    return StringField(lazy("Name"), validators=[Optional(), Length(max=100)])


class _Hours(Form):
    """One field per weekday: "07:00-19:00", "07:00-12:00 13:00-17:00", or empty (closed)."""


for _index, _day in enumerate(DAYS):
    setattr(
        _Hours,
        f"hours_{_day}",
        StringField(WEEKDAY[_index], validators=[Optional(), Length(max=100)]),
    )


def hours_fields(form: Form) -> list[Any]:
    """The weekday fields of `form`, Monday first."""
    return [form[f"hours_{day}"] for day in DAYS]


def hours_text(form: Form) -> str:
    """The weekday fields as hours text (`mon 07:00-19:00,sat 08:00-13:00`)."""
    return ",".join(
        f"{day} {field.data.strip()}"
        for day, field in zip(DAYS, hours_fields(form), strict=True)
        if (field.data or "").strip()
    )


def hours_data(by_day: Mapping[str, Sequence[Sequence[str]]]) -> dict[str, str]:
    """Stored hours as the weekday fields' values (a closed day stays empty)."""
    return {
        f"hours_{day}": " ".join(f"{start}-{end}" for start, end in periods)
        for day, periods in by_day.items()
    }


class BuildingForm(_Hours):
    """A new building."""

    code = _code_field(lazy("Code"))
    name = _name_field()
    timezone = StringField(lazy("Time zone"), validators=[Optional(), Length(max=64)])


class BuildingEditForm(_Hours):
    """A building's name, time zone and operating hours."""

    name = StringField(lazy("Name"), validators=[DataRequired(), Length(max=100)])
    timezone = StringField(lazy("Time zone"), validators=[DataRequired(), Length(max=64)])


class FloorForm(Form):
    """A new floor."""

    code = _code_field(lazy("Code"))
    name = _name_field()
    level = IntegerField(
        lazy("Level (0 ground floor, -1 below it)"),
        validators=[Optional(), NumberRange(min=-20, max=300)],
    )


def _kind_choices(blank: Any = None) -> list[SelectChoice]:
    kinds = [SelectChoice(k, ROOM_KIND[k]) for k in ROOM_KINDS]
    return [SelectChoice("", blank), *kinds] if blank is not None else kinds


def _traffic_choices(blank: Any = None) -> list[SelectChoice]:
    levels = [SelectChoice(t, TRAFFIC[t]) for t in TRAFFIC_LEVELS]
    return [SelectChoice("", blank), *levels] if blank is not None else levels


class RoomForm(Form):
    """A new room; floor choices are the building's floors."""

    code = _code_field(lazy("Code"))
    name = _name_field()
    floor = SelectField(lazy("Floor"), choices=[], validators=[Optional()])
    kind = SelectField(lazy("Kind"), choices=_kind_choices(lazy("guess from the code")))
    traffic = SelectField(lazy("Traffic"), choices=_traffic_choices(lazy("follows the kind")))


class RoomEditForm(Form):
    """Rename a room, move it to another floor, change its kind or traffic level."""

    name = StringField(lazy("Name"), validators=[DataRequired(), Length(max=100)])
    floor = SelectField(lazy("Floor"), choices=[])
    kind = SelectField(lazy("Kind"), choices=_kind_choices())
    traffic = SelectField(lazy("Traffic"), choices=_traffic_choices())


class MergeForm(Form):
    """Merge one room of the building into another."""

    from_room = SelectField(lazy("Room to merge (it goes away)"), choices=[])
    into = SelectField(lazy("Into the room that stays"), choices=[])
