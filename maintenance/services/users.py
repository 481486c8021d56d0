"""People and crews: create users, sign them in, look them up, manage crew membership."""

from __future__ import annotations

import builtins
import re
from datetime import datetime
from functools import cache

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from maintenance.adapters.orm import Building, Crew, CrewMember, User, UserBuilding
from maintenance.adapters.sql import insert_ignore
from maintenance.domain.errors import InvalidInput, NotFound
from maintenance.domain.model import CREW_ID_PATTERN, ROLES
from maintenance.domain.transitions import SYSTEM, Actor
from maintenance.domain.visibility import check_grant, may_see_user
from maintenance.views import UserView
from udara.db import transaction
from udara.scope import Scope

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# Roles that lead the crew they are put in rather than just work in it.
SUPERVISING_ROLES = frozenset({"cleaning_supervisor", "facility_manager"})


def user_view(session: Session, user: User) -> UserView:
    """A user with their crews, read in `session`."""
    rows = session.execute(select(CrewMember).where(CrewMember.user_id == user.id)).scalars()
    memberships = sorted((m.crew_id, m.is_supervisor) for m in rows)
    buildings = session.scalars(
        select(Building.code)
        .join(UserBuilding, UserBuilding.building_id == Building.id)
        .where(UserBuilding.user_id == user.id)
        .order_by(Building.code)
    )
    return UserView(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        crews=tuple(c for c, _ in memberships),
        supervises=tuple(c for c, sup in memberships if sup),
        buildings=tuple(buildings),
    )


def actor_of(view: UserView) -> Actor:
    """A user as the permission and visibility rules see them."""
    return Actor(
        view.username,
        view.role,
        frozenset(view.crews),
        frozenset(view.supervises),
        view.active,
        Scope.of(view.buildings),
    )


def load_actor(session: Session, username: str) -> Actor:
    """The acting user as the permission rules see them; NotFound if unknown."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound.coded("no_user", user=username)
    return actor_of(user_view(session, user))


@cache
def _dummy_hash() -> str:
    """A hash to check against when the user does not exist (made once, on first use)."""
    return generate_password_hash("udara-no-such-user")


class UserService:
    """Users and crews; `authenticate` is what the web login calls."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def create(
        self,
        username: str,
        role: str,
        now: datetime,
        *,
        display_name: str | None = None,
        password: str | None = None,
        crews: tuple[str, ...] = (),
        buildings: tuple[str, ...] = (),
        by: Actor = SYSTEM,
    ) -> UserView:
        """Add a user; supervisors and managers lead the crews they are put in.

        `buildings` limits the user to those buildings (none: every building); `by` may only
        give what they reach themselves, so a scoped manager always names buildings.
        """
        if not USERNAME_PATTERN.match(username):
            raise InvalidInput.coded("bad_username")
        if role not in ROLES:
            raise InvalidInput.coded("bad_role", allowed=", ".join(ROLES))
        if role == "cleaning_supervisor" and not crews:
            crews = ("cleaning",)
        check_grant(by, Scope.of(buildings))
        try:
            with transaction(self._sessions) as session:
                user = User(
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    password_hash=generate_password_hash(password) if password else None,
                    active=True,
                    created_at=now,
                )
                session.add(user)
                session.flush()
                for crew in crews:
                    self._join(session, user.id, crew, role in SUPERVISING_ROLES)
                _limit_to(session, user.id, buildings)
                return user_view(session, user)
        except IntegrityError as exc:
            raise InvalidInput.coded("user_exists", user=username) from exc

    def set_buildings(
        self, username: str, buildings: tuple[str, ...], by: Actor = SYSTEM
    ) -> UserView:
        """Limit a user to `buildings` (empty: every building), within what `by` reaches."""
        granted = Scope.of(buildings)
        with transaction(self._sessions) as session:
            user = self._managed(session, username, by)
            check_grant(by, granted)
            session.execute(delete(UserBuilding).where(UserBuilding.user_id == user.id))
            _limit_to(session, user.id, buildings)
            return user_view(session, user)

    def authenticate(self, username: str, password: str) -> UserView | None:
        """The active user with this password, or None (same answer for every failure)."""
        with self._sessions() as session:
            user = session.scalar(select(User).where(User.username == username))
            # Check a hash even for unknown users, so timing does not reveal who exists.
            stored = user.password_hash if user and user.password_hash else _dummy_hash()
            matches = check_password_hash(stored, password)
            if user is None or not user.active or not user.password_hash or not matches:
                return None
            return user_view(session, user)

    def get(self, user_id: int) -> UserView | None:
        """A user by id."""
        with self._sessions() as session:
            user = session.get(User, user_id)
            return user_view(session, user) if user else None

    def by_username(self, username: str) -> UserView | None:
        """A user by username."""
        with self._sessions() as session:
            user = session.scalar(select(User).where(User.username == username))
            return user_view(session, user) if user else None

    def set_password(self, username: str, password: str, by: Actor = SYSTEM) -> None:
        """Replace a user's password."""
        with transaction(self._sessions) as session:
            user = self._managed(session, username, by)
            user.password_hash = generate_password_hash(password)

    def set_active(self, username: str, active: bool, by: Actor = SYSTEM) -> None:
        """Deactivate (or reactivate) a user; their history stays."""
        with transaction(self._sessions) as session:
            user = self._managed(session, username, by)
            user.active = active

    def administered(self, username: str, by: Actor) -> UserView:
        """The user `username` if `by` administers them; NotFound otherwise, as for nobody."""
        with self._sessions() as session:
            return user_view(session, self._managed(session, username, by))

    @staticmethod
    def _managed(session: Session, username: str, by: Actor) -> User:
        """The user `by` administers; NotFound for anyone else, as for nobody."""
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not may_see_user(by, Scope.of(user_view(session, user).buildings)):
            raise NotFound.coded("no_user", user=username)
        return user

    def add_to_crew(self, username: str, crew: str, supervisor: bool = False) -> UserView:
        """Put a user in a crew, as member or supervisor."""
        with transaction(self._sessions) as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound.coded("no_user", user=username)
            member = session.get(CrewMember, (crew, user.id))
            if member is not None:
                member.is_supervisor = supervisor
            else:
                self._join(session, user.id, crew, supervisor)
            return user_view(session, user)

    def crews(self) -> list[tuple[str, str]]:
        """(id, name) of every crew."""
        with self._sessions() as session:
            return [(c.id, c.name) for c in session.scalars(select(Crew).order_by(Crew.id))]

    def create_crew(self, crew_id: str, name: str) -> None:
        """Add a crew (idempotent by id)."""
        if not re.match(CREW_ID_PATTERN, crew_id):
            raise InvalidInput.coded("bad_crew_id")
        with transaction(self._sessions) as session:
            insert_ignore(session, Crew, {"id": crew_id, "name": name}, on=["id"])

    @staticmethod
    def _join(session: Session, user_id: int, crew: str, supervisor: bool) -> None:
        if session.get(Crew, crew) is None:
            raise InvalidInput.coded("no_crew", crew=crew)
        session.add(CrewMember(crew_id=crew, user_id=user_id, is_supervisor=supervisor))
        session.flush()

    def list(self, crew: str | None = None, *, viewer: Actor) -> list[UserView]:
        """The users `viewer` administers (or one crew's of them), by username."""
        return [u for u in self._all(crew) if may_see_user(viewer, Scope.of(u.buildings))]

    def crew_members(
        self, crew: str, *, building: str | None, viewer: Actor
    ) -> builtins.list[UserView]:
        """Active members of `crew` who can be given work in `building` (any of the viewer's
        buildings when None): the names an assigner may choose from."""
        reach = Scope.of([building]) if building else viewer.scope
        return [
            u
            for u in self._all(crew)
            if u.active and u.role != "viewer" and Scope.of(u.buildings).overlaps(reach)
        ]

    def _all(self, crew: str | None) -> builtins.list[UserView]:
        with self._sessions() as session:
            query = select(User).order_by(User.username)
            if crew:
                query = query.join(CrewMember).where(CrewMember.crew_id == crew)
            return [user_view(session, u) for u in session.scalars(query)]


def _limit_to(session: Session, user_id: int, buildings: tuple[str, ...]) -> None:
    """Give the user these buildings (each must exist)."""
    for code in sorted(set(buildings)):
        building_id = session.scalar(select(Building.id).where(Building.code == code))
        if building_id is None:
            raise InvalidInput.coded("no_building", building=code)
        session.add(UserBuilding(user_id=user_id, building_id=building_id))
    session.flush()
