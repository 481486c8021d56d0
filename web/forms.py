"""Forms with validation messages; simple action buttons only carry the CSRF token."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from web.i18n import lazy


class Form(FlaskForm):
    """A browser form: reads form fields only, never a JSON body sent to a page."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """Treat JSON posted to a page as an empty form (validation then says so)."""
            if request.is_json:
                return request.form
            return super().wrap_formdata(form, formdata)


class LoginForm(Form):
    """Sign in (field names `username` and `password`, as CONTRACTS.md says)."""

    username = StringField(lazy("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(lazy("Password"), validators=[DataRequired(), Length(max=256)])


class NoteForm(Form):
    """A note on a work order."""

    text = TextAreaField(lazy("Note"), validators=[DataRequired(), Length(max=5000)])


class FinishForm(Form):
    """Finish a work order."""

    notes = TextAreaField(lazy("Completion notes"), validators=[Optional(), Length(max=5000)])
    time_spent = IntegerField(
        lazy("Time spent (minutes)"), validators=[Optional(), NumberRange(min=0, max=100_000)]
    )


class WorkOrderForm(Form):
    """Raise a work order by hand."""

    title = StringField(lazy("Title"), validators=[DataRequired(), Length(max=200)])
    type = SelectField(lazy("Type"), choices=[])
    priority = SelectField(lazy("Priority"), choices=[])
    crew = SelectField(lazy("Crew"), choices=[])
    building = StringField(
        lazy("Building"), validators=[DataRequired(), Regexp(r"^[a-z0-9_-]{1,64}$")]
    )
    room = StringField(lazy("Room"), validators=[Optional(), Regexp(r"^[a-z0-9_-]{1,64}$")])
    asset = StringField(
        lazy("Asset (code, optional)"), validators=[Optional(), Regexp(r"^[a-z0-9_-]{1,64}$")]
    )
    description = TextAreaField(lazy("Description"), validators=[Optional(), Length(max=5000)])
    checklist = TextAreaField(
        lazy("Checklist (one item per line)"), validators=[Optional(), Length(max=5000)]
    )


class UserForm(Form):
    """Add a user."""

    username = StringField(
        lazy("Username"),
        validators=[DataRequired(), Regexp(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")],
    )
    display_name = StringField(lazy("Name"), validators=[Optional(), Length(max=100)])
    role = SelectField(lazy("Role"), choices=[])
    crew = SelectField(lazy("Crew"), choices=[], validators=[Optional()])
    buildings = SelectMultipleField(
        lazy("Buildings (none: every building)"), choices=[], validators=[Optional()]
    )
    password = PasswordField(lazy("Password"), validators=[DataRequired(), Length(min=10, max=256)])


class UserBuildingsForm(Form):
    """Change which buildings a user reaches."""

    buildings = SelectMultipleField(
        lazy("Buildings (none: every building)"), choices=[], validators=[Optional()]
    )


class ContactForm(Form):
    """Add a contact point: an e-mail address or an Apprise URL."""

    address = StringField(
        lazy("E-mail address or Apprise URL"), validators=[DataRequired(), Length(max=1000)]
    )


LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]


class PrefsForm(Form):
    """Notification preferences."""

    lang = SelectField(lazy("Language of messages"), choices=[])  # LANGUAGES, set by the page
    mute_warnings = BooleanField(lazy("Mute warnings (critical alerts still reach me)"))
    quiet_hours = StringField(
        lazy("Quiet hours (e.g. 22:00-06:00; empty: none)"),
        validators=[Optional(), Regexp(r"^\d{2}:\d{2}-\d{2}:\d{2}$")],
    )
