"""withdrawNotification: fetch, call one core action, return (the rule is in ``hub/withdrawal.py``)."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import withdrawal
from hub.vocabulary import Role
from resolvers.errors import principal_of, unit_of_work
from resolvers.permissions import described, roles
from schema.case import Case
from schema.common import parse_id
from schema.context import HubInfo
from schema.notification import Notification
from schema.withdrawal import WithdrawNotificationPayload

NOTIFIERS = (Role.LA,)


async def _withdraw(info: HubInfo, case_id: strawberry.ID, reason: str) -> WithdrawNotificationPayload:
    wanted = parse_id(case_id, "caseId")

    async def act(session: AsyncSession) -> withdrawal.Withdrawn:
        return await withdrawal.withdraw(session, clock=info.context.clock, principal=principal_of(info.context),
                                         case_id=wanted, reason=reason)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return WithdrawNotificationPayload(case=None, notification=None, errors=done)
    return WithdrawNotificationPayload(case=Case.from_model(done.case),
                                       notification=Notification.from_model(done.notification), errors=[])


@strawberry.type
class WithdrawalMutations:
    withdraw_notification: WithdrawNotificationPayload = strawberry.field(
        resolver=_withdraw, extensions=roles(*NOTIFIERS), description=described(
            "Withdraw a notification found not to meet the criteria of paras 10-11, with reasons: only the local "
            "authority that notified, until the rapid review is submitted to the Panel. The case becomes "
            "WITHDRAWN, its clocks close (the rapid review's deadline, open information requests) and every "
            "organisation the notification reached is told (notification.withdrawn, para 12).", NOTIFIERS))
