"""Withdrawing a notification: the payload (thin: the rule is in ``hub/withdrawal.py``)."""

from __future__ import annotations

import strawberry

from schema.case import Case
from schema.common import UserError
from schema.notification import Notification


@strawberry.type(description="The result of withdrawNotification (paras 10-12).")
class WithdrawNotificationPayload:
    case: Case | None = strawberry.field(description="The case, now WITHDRAWN.")
    notification: Notification | None = strawberry.field(description="The notification withdrawn, with its reasons.")
    errors: list[UserError] = strawberry.field(description=(
        "Why it was refused; empty on success. Codes: NOT_FOUND (no such case, or not visible), NOT_NOTIFIED "
        "(referred, not notified), NOT_THE_NOTIFIER (another local authority notified), ALREADY_WITHDRAWN, "
        "NOT_NOTIFIED_TO_PANEL (a para 13 notice only), RAPID_REVIEW_SUBMITTED (the rapid review has gone to "
        "the Panel: too late), REQUIRED / TOO_LONG / INVALID_CHARACTERS (reason), NAMES_CHILD (the reason names "
        "a child)."))
