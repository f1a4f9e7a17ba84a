"""Choices the guidance leaves to practice, set per deployment (not per request)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class RapidReviewClock(str, Enum):
    """What the 15 working days of a rapid review count from (Panel practice guidance)."""

    NOTIFICATION = "notification"  # the day the notification reached the Panel
    AWARENESS = "awareness"  # the day the local authority became aware


@dataclass(frozen=True)
class Policy:
    rapid_review_counts_from: RapidReviewClock = RapidReviewClock.NOTIFICATION
    information_max_days: int = 365  # a request's due date at most this far ahead
    deadline_warning_working_days: int = 3  # deadline.approaching this many working days before
    webhook_allow_private: bool = False  # CSPR_HUB_WEBHOOK_ALLOW_PRIVATE: http and private hosts, for tests
