"""Roles declared on the field, checked centrally (CONTRACT: roles)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from hub.vocabulary import Role


class RoleIn(BasePermission):
    def __init__(self, roles: Iterable[Role]) -> None:
        self.error_extensions = {"code": "FORBIDDEN"}
        self.roles = frozenset(roles)
        names = ", ".join(sorted(r.value for r in self.roles))
        self.message = f"this needs one of the roles: {names}"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and principal.role in self.roles


def roles(*allowed: Role) -> list[FieldExtension]:
    return [PermissionExtension(permissions=[RoleIn(allowed)], use_directives=False)]


def described(text: str, allowed: Iterable[Role]) -> str:
    names = ", ".join(sorted(r.value for r in allowed))
    return f"{text} Roles: {names}."


ANY_ROLE = tuple(Role)
