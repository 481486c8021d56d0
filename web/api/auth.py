"""API authentication: a Bearer token, or the browser's login session plus a CSRF header."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from web import deps
from web.api.errors import ApiError
from web.security import WebUser

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _bearer_user(header: str) -> WebUser:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "use `Authorization: Bearer <token>`")
    user_id = deps.tokens().user_id_for(token.strip(), deps.now())
    view = deps.container().user_service.get(user_id) if user_id is not None else None
    if view is None or not view.active:
        raise ApiError(401, "unauthorized", "the token is unknown, revoked or its user inactive")
    return WebUser(view)


def _session_user() -> WebUser:
    if not current_user.is_authenticated:
        raise ApiError(401, "unauthorized", "a Bearer token or a signed-in session is required")
    if request.method not in SAFE_METHODS:
        # A session cookie rides along on cross-site requests; a token in a header does not.
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (ValidationError, CSRFError) as exc:
            raise ApiError(
                403, "csrf_failed", "session requests need an X-CSRFToken header"
            ) from exc
    return cast(WebUser, current_user._get_current_object())


def api_user() -> WebUser:
    """The caller of this API request."""
    return cast(WebUser, g.api_user)


def api_auth(*roles: str) -> Callable[[F], F]:
    """401 without credentials, 403 when the caller's role is not among `roles`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization")
            user = _bearer_user(header) if header else _session_user()
            if user.role not in roles:
                raise ApiError(403, "forbidden", f"the {user.role} role may not do this")
            g.api_user = user
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate
