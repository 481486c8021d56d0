"""Sign-in, sign-out and the start page that sends each role to its own view."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from maintenance.services.users import USERNAME_PATTERN
from web import deps
from web.forms import LoginForm
from web.i18n import lazy
from web.security import SUPERVISOR, TECHNICIAN, WebUser

bp = Blueprint("auth", __name__)


def home_for(role: str) -> str:
    """Where a role starts: supervisors at the board, technicians at their work."""
    if role == SUPERVISOR:
        return url_for("board.board")
    if role == TECHNICIAN:
        return url_for("mywork.my_work")
    return url_for("iaq.rooms")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the sign-in page cannot be used to redirect elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.get("/")
def index() -> ResponseReturnValue:
    """The start page: each role's own view."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_for(current_user.role))


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in form; failed attempts are rate limited per address and per username."""
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        view = None
        if USERNAME_PATTERN.match(username):  # anything else cannot be a user: no query
            view = deps.container().user_service.authenticate(username, form.password.data)
        if view is not None:
            session.clear()  # a fresh session for the new user (keeps nothing from before)
            login_user(WebUser(view))
            return redirect(_safe_next(request.args.get("next")) or home_for(view.role))
        flash(lazy("Wrong username or password."), "error")
        return render_template("auth/login.html", form=form), 401
    if request.method == "POST":
        return render_template("auth/login.html", form=form), 400
    if current_user.is_authenticated:
        return redirect(home_for(current_user.role))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Sign out."""
    logout_user()
    flash(lazy("You are signed out."), "info")
    return redirect(url_for("auth.login"))
