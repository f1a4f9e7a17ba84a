"""Who is asking: one organisation acting in one role (CONTRACT: roles)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.vocabulary import Role


@dataclass(frozen=True)
class Principal:
    organisation_id: str
    organisation_code: str
    role: Role
    scopes: tuple[str, ...]
    client_id: str | None = None  # the registered client (or issuer subject) acting

    @property
    def is_partner(self) -> bool:
        return self.role in (Role.LA, Role.POLICE, Role.HEALTH)
