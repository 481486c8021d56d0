"""Who is signed in, and the role checks every page makes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, g
from flask.wrappers import Response
from flask_login import UserMixin, current_user

from maintenance.domain.transitions import Actor
from maintenance.services.users import actor_of
from maintenance.views import UserView
from udara.scope import Scope
from web.deps import container

FACILITY_MANAGER = "facility_manager"
SUPERVISOR = "cleaning_supervisor"
TECHNICIAN = "technician"
VIEWER = "viewer"
ALL_ROLES = (FACILITY_MANAGER, SUPERVISOR, TECHNICIAN, VIEWER)
# Who reads air quality, alerts and the board; technicians work from "my work".
IAQ_READERS = (FACILITY_MANAGER, SUPERVISOR, VIEWER)
BOARD_READERS = (FACILITY_MANAGER, SUPERVISOR, VIEWER)
ASSIGNERS = (FACILITY_MANAGER, SUPERVISOR)
WORKERS = (FACILITY_MANAGER, SUPERVISOR, TECHNICIAN)
PLANNERS = (FACILITY_MANAGER, SUPERVISOR)

F = TypeVar("F", bound=Callable[..., Any])


class WebUser(UserMixin):
    """A signed-in person, as Flask-Login needs them."""

    def __init__(self, view: UserView) -> None:
        self.view = view
        self.id = view.id
        self.username = view.username
        self.display_name = view.display_name
        self.role = view.role
        self.crews = view.crews
        self.supervises = view.supervises
        self.actor = actor_of(view)
        self.scope = self.actor.scope

    @property
    def is_active(self) -> bool:
        """Deactivated users are signed out on their next request."""
        return bool(self.view.active)

    def has_role(self, *roles: str) -> bool:
        """True when the user's role is one of `roles`."""
        return self.role in roles


def load_user(user_id: str) -> WebUser | None:
    """Flask-Login's loader: the active user behind a session, or None."""
    try:
        view = container().user_service.get(int(user_id))
    except (TypeError, ValueError):
        return None
    if view is None or not view.active:
        return None
    return WebUser(view)


def me() -> WebUser:
    """The signed-in user (only inside views guarded by `roles_required`)."""
    return cast(WebUser, current_user._get_current_object())


def actor() -> Actor:
    """Who is asking, as the services' rules see them: the API caller or the page's user."""
    user = g.get("api_user") or current_user
    return cast(WebUser, user).actor


def scope() -> Scope:
    """The buildings whoever is asking may reach."""
    return actor().scope


def roles_required(*roles: str) -> Callable[[F], F]:
    """Page guard: sign-in page when signed out, 403 when the role may not see it."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(response: Response) -> Response:
    """Scripts and styles only from Udara itself; no framing; no MIME sniffing."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
