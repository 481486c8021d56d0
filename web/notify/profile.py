"""Contact points and notification preferences: each user's own on their profile page, and
those of the users a facility manager administers (within the manager's buildings)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from maintenance.domain.errors import NotFound
from notifications.domain.model import KINDS
from notifications.services.people import InvalidContact, NotFoundError
from web import deps
from web.forms import LANGUAGES, ContactForm, Form, PrefsForm
from web.i18n import lazy
from web.notify.views import bp
from web.security import ALL_ROLES, FACILITY_MANAGER, me, roles_required

ACTIONS = ("add", "remove", "prefs", "channels", "test")


def _page(username: str, own: bool) -> ResponseReturnValue:
    """GET shows; POST does one `action` (CSRF-checked) and comes back here."""
    service = deps.container().notifications
    here = url_for("notify.profile") if own else url_for("notify.user_contacts", username=username)
    contact_form, prefs_form, plain = ContactForm(), PrefsForm(), Form()
    prefs_form.lang.choices = LANGUAGES
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        if action not in ACTIONS:
            abort(400)
        done = _act(action, username, contact_form, prefs_form, plain)
        if done:
            return redirect(here)
        status = 400
    prefs = service.prefs(username)
    if request.method == "GET":
        prefs_form.lang.data = prefs.lang
        prefs_form.mute_warnings.data = prefs.mute_warnings
        prefs_form.quiet_hours.data = prefs.quiet_hours or ""
    page = render_template(
        "notify/profile.html", username=username, own=own, contacts=service.contacts(username),
        prefs=prefs, contact_form=contact_form, prefs_form=prefs_form, plain=plain, here=here,
        kinds=KINDS,
    )  # fmt: skip
    return page, status


def _act(action: str, username: str, contact: ContactForm, prefs: PrefsForm, plain: Form) -> bool:
    """Do what the form asks; False (with the reason flashed or on the form) when refused."""
    service = deps.container().notifications
    form: Form = contact if action == "add" else prefs if action == "prefs" else plain
    if not form.validate_on_submit():
        return False
    try:
        if action == "add":
            service.add_contact(username, contact.address.data.strip())
            flash(lazy("Contact point added."), "success")
        elif action == "remove":
            service.remove_channel(username, request.form.get("channel", ""))
            flash(lazy("Contact point removed."), "success")
        elif action == "prefs":
            service.set_prefs(
                username, lang=prefs.lang.data, mute_warnings=prefs.mute_warnings.data,
                quiet_hours=prefs.quiet_hours.data or "",
            )  # fmt: skip
            flash(lazy("Preferences saved."), "success")
        elif action == "channels":
            service.set_prefs(username, channels=_chosen_channels(username))
            flash(lazy("Channels saved."), "success")
        else:
            n = service.send_test(username)
            if n:
                flash(lazy("A test message is on its way to %(n)s contact points.", n=n), "success")
            else:
                flash(lazy("No contact point to send a test message to."), "error")
    except InvalidContact as exc:
        flash(lazy("Not saved: %(detail)s", detail=str(exc)), "error")
        return False
    except NotFoundError:
        abort(404)
    except ValueError as exc:
        flash(lazy("Not saved: %(detail)s", detail=str(exc)), "error")
        return False
    return True


def _chosen_channels(username: str) -> dict[str, list[str]]:
    """The channels ticked per kind (`ch_<kind>`); none or all ticked: every channel (so a
    contact point added later is used too). 400 for a channel the user has no contact on."""
    have = [c.channel for c in deps.container().notifications.contacts(username)]
    chosen: dict[str, list[str]] = {}
    for kind in KINDS:
        ticked = request.form.getlist(f"ch_{kind}")
        if not set(ticked) <= set(have):
            abort(400)
        chosen[kind] = [] if set(ticked) == set(have) else [c for c in have if c in ticked]
    return chosen


@bp.route("/profile", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def profile() -> ResponseReturnValue:
    """My contact points and preferences, and a test message."""
    return _page(me().username, own=True)


@bp.route("/users/<username>/notifications", methods=["GET", "POST"])
@roles_required(FACILITY_MANAGER)
def user_contacts(username: str) -> ResponseReturnValue:
    """A user's contact points and preferences, for a manager who administers them."""
    try:
        deps.container().user_service.administered(username, me().actor)
    except NotFound:
        abort(404)
    return _page(username, own=username == me().username)
