"""What every resolver may ask of ``info.context`` (built by ``resolvers.context``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from hub import models
from hub.clock import Clock
from hub.principal import Principal


class Loaders(Protocol):
    """Per-request batch loaders: one SQL statement per kind of thing per tick."""

    organisation: DataLoader[str, models.Organisation | None]
    partnership: DataLoader[str, models.Partnership | None]
    members: DataLoader[str, list[models.Organisation]]
    partnerships_of_organisation: DataLoader[str, list[models.Partnership]]
    case_partnerships: DataLoader[str, list[models.CasePartnership]]
    children: DataLoader[str, list[models.Child]]
    notification: DataLoader[str, models.Notification | None]
    messages_about: DataLoader[str, list[models.RoutedMessage]]
    visible_case: DataLoader[str, models.Case | None]


@dataclass
class HubContext:
    request: Any
    response: Any
    principal: Principal | None
    clock: Clock
    sessions: async_sessionmaker[AsyncSession]
    loaders: Loaders


HubInfo = Info[HubContext, None]
