"""Who is calling: the subject a verified token names, and the roles it grants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from bookings.auth.subjects import subject_problem


class Role(StrEnum):
    """A role a token may grant; the value is its spelling in the `roles` claim."""

    PROVIDER = "provider"
    ADMIN = "admin"


_ROLE_NAMES = frozenset(role.value for role in Role)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `sub` is its stable id (a provider's `providerId`)."""

    sub: str
    roles: frozenset[Role] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        problem = subject_problem(self.sub)
        if problem is not None:
            raise ValueError(f"a principal's sub {problem}")
        # Accept any iterable of roles (or their spellings) but store a frozenset of Role, so
        # equality and hashing do not depend on how the caller built it.
        object.__setattr__(self, "roles", frozenset(Role(role) for role in self.roles))

    @classmethod
    def with_known_roles(cls, sub: str, role_names: Iterable[str]) -> Principal:
        """The principal of `sub` holding the roles among `role_names` that this platform knows;
        the others (roles of other systems, other spellings) are dropped, so it may hold none."""
        return cls(sub, frozenset(Role(name) for name in role_names if name in _ROLE_NAMES))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_provider(self) -> bool:
        return Role.PROVIDER in self.roles

    def has_any_role(self, *roles: Role) -> bool:
        """True when the principal holds at least one of `roles` (so False for none given)."""
        return not self.roles.isdisjoint(roles)
