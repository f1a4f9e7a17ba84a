"""Notification, referral and their inputs and payloads (thin: shapes only)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from hub import models
from schema.case import Case
from schema.child_details import (
    Disability,
    EducationSetting,
    Ethnicity,
    HarmCategory,
    PerpetratorRelationship,
    SocialCareStatus,
)
from schema.common import UserError
from schema.context import MISSING, HubInfo, settled
from schema.enums import AbuseOrNeglect, IncidentKind, IncidentLocation, NotificationKind, Sex

if TYPE_CHECKING:
    from schema.routing import RoutedMessage


@strawberry.type(description="A notification to the Panel (s16C; paras 12-13).")
class Notification:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    kind: NotificationKind = strawberry.field(description="Serious incident or looked-after child's death.")
    submitted_at: datetime = strawberry.field(description="When the hub received it.")
    submitted_on: date = strawberry.field(description="The day in England it was received.")
    due_on: date = strawberry.field(description="awareOn + 5 working days in England (para 12).")
    on_time: bool = strawberry.field(description="submittedOn <= dueOn.")
    late_reason: str | None = strawberry.field(description="Why it was late, when it was.")
    to_panel: bool = strawberry.field(description="Whether it is the notifier's notification to the Panel under "
                                      "s16C: abuse or neglect known or suspected of a child who died or was seriously "
                                      "harmed in the notifier's area or, while normally resident in it, outside "
                                      "England. False for a looked-after death without abuse or neglect, for a "
                                      "looked-after child who died in another English area (that area notifies: "
                                      "s16C(1)(a), footnote 77) and for a care leaver aged 18 or over (not a child).")
    withdrawn_at: datetime | None = strawberry.field(description=(
        "When its local authority withdrew it, found not to meet the criteria (paras 10-12); null while it stands."))
    withdrawal_reason: str | None = strawberry.field(description="Why it was withdrawn (paras 10-12), when it was.")
    case_id: strawberry.Private[str]

    @classmethod
    def from_model(cls, row: models.Notification) -> Notification:
        return cls(
            id=strawberry.ID(row.id), kind=NotificationKind(row.kind), submitted_at=row.submitted_at,
            submitted_on=row.submitted_on, due_on=row.due_on, on_time=row.on_time,
            late_reason=row.late_reason, to_panel=row.to_panel, withdrawn_at=row.withdrawn_at,
            withdrawal_reason=row.withdrawal_reason, case_id=row.case_id,
        )

    @strawberry.field(description="Who it was routed to, with basis and due date; roles other than "
                      "partners and the Panel see only the messages addressed to them.",
                      graphql_type=list[Annotated["RoutedMessage", strawberry.lazy("schema.routing")]])
    def routed_to(self, info: HubInfo) -> list[RoutedMessage] | Awaitable[list[RoutedMessage]]:
        pairs = settled(info.context.loaders.messages_about, self.case_id)
        if pairs is not MISSING:  # loaded ahead with the page
            return self._visible(info, pairs)
        return self._routed_to(info)

    async def _routed_to(self, info: HubInfo) -> list[RoutedMessage]:
        return self._visible(info, await info.context.loaders.messages_about.load(self.case_id))

    def _visible(self, info: HubInfo, pairs: list[Any]) -> list[RoutedMessage]:
        from schema.routing import visible_messages

        return visible_messages(info, [(m, o) for m, o in pairs if m.subject_id == str(self.id)])


@strawberry.input(description="A child harmed or killed, as DfE's notification form describes the child. Names, "
                  "date of birth and the form's details (ethnicity ... unbornOrUnderOne) are optional when not "
                  "known; what is given is checked.")
class ChildInput:
    first_name: str | None = strawberry.field(default=None, description="At most 100 characters.")
    last_name: str | None = strawberry.field(default=None, description="At most 100 characters.")
    date_of_birth: date | None = strawberry.field(default=None, description="The child was under 18 on the day.")
    consistent_child_identifier: str | None = strawberry.field(
        default=None, description="The child's consistent identifier (Children's Wellbeing and Schools Act 2026 "
        "s16LC), when the area has one; at most 64 characters. Protected as the name is.")
    sex: Sex = strawberry.field(description="As recorded.")
    looked_after: bool = strawberry.field(description="Looked after by a local authority (para 13).")
    on_child_protection_plan: bool = strawberry.field(description="Subject of a child protection plan.")
    ethnicity: Ethnicity | None = strawberry.field(default=None, description=(
        "The children in need census code; leave out when not known. Partners and Panel only, as the name."))
    disability: Disability | None = strawberry.field(default=None, description="Whether the child is disabled.")
    social_care_status: SocialCareStatus | None = strawberry.field(default=None, description=(
        "Status with children's social care at the time; must agree with lookedAfter and onChildProtectionPlan "
        "(SOCIAL_CARE_STATUS_CONFLICT)."))
    education_setting: EducationSetting | None = strawberry.field(default=None, description=(
        "Education or institutional setting at the time (para 22)."))
    harm_category: HarmCategory | None = strawberry.field(default=None, description="The category of harm.")
    suspected_perpetrator: PerpetratorRelationship | None = strawberry.field(default=None, description=(
        "The relationship to the child of any suspected perpetrator."))
    unborn_or_under_one: bool | None = strawberry.field(default=None, description=(
        "The child was unborn or under one at the time; must agree with dateOfBirth (UNDER_ONE_MISMATCH)."))


@strawberry.input(description="What happened (paras 10-11).")
class IncidentInput:
    kind: IncidentKind = strawberry.field(description="DEATH or SERIOUS_HARM.")
    occurred_on: date = strawberry.field(description="Not in the future.")
    aware_on: date = strawberry.field(description="The day the local authority became aware; not in the future.")
    abuse_or_neglect: AbuseOrNeglect = strawberry.field(description="NOT_SUSPECTED is not notifiable (para 10).")
    location: IncidentLocation = strawberry.field(description="ELSEWHERE_IN_ENGLAND is not notifiable by this area (s16C(1)).")
    summary: str = strawberry.field(description="What happened; must not name the child (it is copied to Ofsted and DfE). At most 20,000 characters.")


@strawberry.input(description="Notify a serious incident to the Panel (s16C; para 12).")
class NotifySeriousIncidentInput:
    child: ChildInput = strawberry.field(description="The child harmed or killed.")
    other_children: list[ChildInput] | None = strawberry.field(default=None, description="Up to three more children harmed in the same incident.")
    incident: IncidentInput = strawberry.field(description="What happened.")
    other_area_codes: list[str] | None = strawberry.field(default=None, description="Codes of other local authorities involved; their partnerships become involved (para 12, footnote 77; para 18).")
    late_reason: str | None = strawberry.field(default=None, description="Required when submitted after awareOn + 5 working days.")
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key returns the first result and changes nothing.")
    case_id: strawberry.ID | None = strawberry.field(default=None, description=(
        "A case referred to the partners (para 14, referIncident) that this notification is about: it is "
        "recorded on that case, not a second one. The child's details left out here are taken from the "
        "referral, and the 5 working days (para 12) run from the referral's awareOn unless incident.awareOn "
        "is earlier. Refused with NOT_FOUND (not visible), NOT_YOUR_AREA (the case is another area's), "
        "NOT_A_REFERRAL or ALREADY_NOTIFIED."))


@strawberry.input(description="Notify the death of a looked-after child or care leaver (para 13), by the responsible "
                  "(placing) local authority. It always goes to the Secretary of State and Ofsted (para 13). With "
                  "abuse or neglect known or suspected it is also the Panel notification (s16C) only where s16C "
                  "makes it the notifier's: the child died in its area, or outside England while normally resident "
                  "in it. A child who died in another English area is that area's to notify: its local authority "
                  "and partners are told (footnote 77). A care leaver aged 18 or over is not a child: never to the "
                  "Panel.")
class NotifyLookedAfterChildDeathInput:
    child: ChildInput = strawberry.field(description="The child or young person who died.")
    died_on: date = strawberry.field(description="Not in the future.")
    aware_on: date = strawberry.field(description="The day the local authority became aware.")
    abuse_or_neglect: AbuseOrNeglect = strawberry.field(description="KNOWN or SUSPECTED also notifies the Panel "
                                                        "when s16C makes it the notifier's (see location).")
    summary: str = strawberry.field(description="What happened; must not name the child.")
    care_leaver: bool | None = strawberry.field(default=None, description="A care leaver up to and including age 24 "
                                                "(Working Together 2023); needs child.dateOfBirth or ageAtDeath. From "
                                                "18 the death goes to the Secretary of State and Ofsted only.")
    location: IncidentLocation = strawberry.field(default=IncidentLocation.IN_AREA, description=(
        "Where the child died: IN_AREA (the notifier's area) or OUTSIDE_ENGLAND (normally resident in the "
        "notifier's area): the notifier notifies the Panel (s16C(1)); ELSEWHERE_IN_ENGLAND (placed out of area, "
        "footnote 77): give diedInAreaCode; the Panel notification is that area's, and its local authority and "
        "partners are told, due awareOn + 5 working days."))
    died_in_area_code: str | None = strawberry.field(default=None, description=(
        "The code of the local authority where the child died, required with location ELSEWHERE_IN_ENGLAND and "
        "refused otherwise (DIED_IN_AREA_CODE_NOT_EXPECTED); UNKNOWN_ORGANISATION, NOT_A_LOCAL_AUTHORITY and "
        "DIED_IN_OWN_AREA when it is not another local authority. With abuse or neglect its partnership becomes "
        "involved in the case."))
    age_at_death: int | None = strawberry.field(default=None, description=(
        "The age in whole years at death, when the date of birth is not given (a care leaver needs one of the "
        "two); it must agree with dateOfBirth when both are given (AGE_AT_DEATH_MISMATCH)."))
    late_reason: str | None = strawberry.field(default=None, description="Required when submitted after awareOn + 5 working days.")
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key returns the first result and changes nothing.")


@strawberry.input(description="Tell the safeguarding partners of an area about an incident (para 14).")
class ReferIncidentInput:
    local_authority_code: str = strawberry.field(description="The local authority of the area.")
    child: ChildInput = strawberry.field(description="The child harmed or killed.")
    incident: IncidentInput = strawberry.field(description="What happened.")
    idempotency_key: str | None = strawberry.field(default=None, description="A retry with the same key returns the first result and changes nothing.")


@strawberry.type(description="The result of notifySeriousIncident.")
class NotifySeriousIncidentPayload:
    case: Case | None = strawberry.field(description="The case opened, or the referred case now notified.")
    notification: Notification | None = strawberry.field(description="The notification recorded.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


@strawberry.type(description="The result of notifyLookedAfterChildDeath.")
class NotifyLookedAfterChildDeathPayload:
    case: Case | None = strawberry.field(description="The case opened.")
    notification: Notification | None = strawberry.field(description="The notification recorded.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")


@strawberry.type(description="The result of referIncident.")
class ReferIncidentPayload:
    case: Case | None = strawberry.field(description="The case opened for the partners to consider.")
    errors: list[UserError] = strawberry.field(description="Why the input was refused; empty on success.")
