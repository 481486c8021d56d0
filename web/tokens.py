"""API tokens: create one for a user (shown once), and resolve a presented token to its user."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from maintenance.adapters.orm import User
from udara.db import transaction
from web.adapters.orm import ApiToken

TOKEN_PREFIX = "udr_"  # noqa: S105 - a public marker, not a secret


USE_RECORDED_EVERY = timedelta(minutes=5)  # not a database write on every API call


def _stale(last_used: datetime | None, now: datetime) -> bool:
    if last_used is None:
        return True
    if last_used.tzinfo is None:  # SQLite returns naive UTC
        last_used = last_used.replace(tzinfo=UTC)
    return now - last_used >= USE_RECORDED_EVERY


class UnknownUser(LookupError):
    """No user with that username."""


def token_digest(token: str) -> str:
    """SHA-256 of a token: tokens are 256 random bits, so a fast hash is the right one."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenService:
    """Bearer tokens for the JSON API; the database keeps only their digests."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def create(self, username: str, now: datetime, name: str = "cli") -> str:
        """A new token for `username`; returns the token, which is never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with transaction(self._sessions) as session:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise UnknownUser(f"no user {username!r}")
            session.add(
                ApiToken(
                    user_id=user_id,
                    name=name[:100],
                    prefix=token[:12],
                    token_hash=token_digest(token),
                    created_at=now,
                )
            )
        return token

    def user_id_for(self, token: str, now: datetime) -> int | None:
        """The id of the active user holding `token`, or None; records when it was used."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = token_digest(token)
        with transaction(self._sessions) as session:
            row = session.scalar(
                select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
            )
            # The lookup is by digest; compare again in constant time for good measure.
            if row is None or not hmac.compare_digest(row.token_hash, digest):
                return None
            user = session.get(User, row.user_id)
            if user is None or not user.active:
                return None
            if _stale(row.last_used_at, now):
                session.execute(
                    update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
                )
            return user.id

    def revoke_all(self, username: str, now: datetime) -> int:
        """Revoke every token of a user; returns how many."""
        with transaction(self._sessions) as session:
            user_id = session.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                raise UnknownUser(f"no user {username!r}")
            result = session.execute(
                update(ApiToken)
                .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
