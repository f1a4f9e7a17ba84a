"""The case and its children (thin: shapes only; visibility is decided in ``hub.visibility``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry
from graphql import FieldNode
from strawberry.types.nodes import SelectedField, Selection

from hub import models
from hub.child_details import details_of
from hub.visibility import may_see_case_record, may_see_identity
from schema.child_details import (
    Disability,
    EducationSetting,
    Ethnicity,
    HarmCategory,
    PerpetratorRelationship,
    SocialCareStatus,
)
from schema.context import MISSING, HubInfo, settled
from schema.enums import AbuseOrNeglect, CaseStatus, IncidentKind, IncidentLocation, Sex
from schema.organisation import SafeguardingPartnership

if TYPE_CHECKING:
    from schema.case_record import CaseEvent, FamilyCommunication, ParallelProceeding
    from schema.information_request import InformationRequest
    from schema.notification import Notification
    from schema.practice_review import PracticeReview, ThematicReview
    from schema.rapid_review import RapidReview
    from schema.routing import RoutedMessage


IDENTITY_FIELDS = frozenset({"firstName", "lastName", "dateOfBirth", "consistentChildIdentifier"})  # Child's identifying fields
# DfE's notification form (hub.child_details): guarded and audited as the name is
DETAIL_FIELDS = frozenset({"ethnicity", "disability", "socialCareStatus", "educationSetting", "harmCategory",
                           "suspectedPerpetrator", "unbornOrUnderOne"})


def _asked(selections: Sequence[Selection]) -> set[str]:
    """The field names asked for, through fragments, leaving out what @skip or @include drop."""
    found: set[str] = set()
    for selection in selections:
        directives = selection.directives
        if directives.get("skip", {}).get("if") is True or directives.get("include", {}).get("if") is False:
            continue
        found |= {selection.name} if isinstance(selection, SelectedField) else _asked(selection.selections)
    return found


def _root_field(info: HubInfo) -> str:
    """The operation's root field this read came through, e.g. cases (never a client-chosen alias)."""
    path = info.path
    while path.prev is not None:
        path = path.prev
    for node in info.operation.selection_set.selections:
        if isinstance(node, FieldNode) and (node.alias or node.name).value == path.key:
            return node.name.value
    return info.operation.operation.value


async def _disclosed(info: HubInfo, case_id: str) -> bool:
    """Show the children's identity only to a role that may see it, when asked, once audited (hub.audit)."""
    principal = info.context.principal
    if principal is None or not may_see_identity(principal):
        return False
    fields = sorted((IDENTITY_FIELDS | DETAIL_FIELDS) & _asked([s for f in info.selected_fields for s in f.selections]))
    if fields:
        await info.context.loaders.identity_reads.record(
            case_id, action=f"read:{_root_field(info)}", fields=fields, at=info.context.clock.now())
    return bool(fields)


def _full(info: HubInfo) -> bool:
    """Whether the caller sees the whole case record, not only what was routed to it."""
    return info.context.principal is not None and may_see_case_record(info.context.principal)


@strawberry.type(
    description="A child named in a case. firstName, lastName, dateOfBirth and the details of DfE's form "
    "(ethnicity ... unbornOrUnderOne) are null for roles that may not see a child's identity (ofsted, dfe, "
    "recipient, agency): they see the pseudonym, age and sex."
)
class Child:
    pseudonym: str = strawberry.field(description="A reference that does not identify the child.")
    first_name: str | None = strawberry.field(description="Partners and Panel only.")
    last_name: str | None = strawberry.field(description="Partners and Panel only.")
    date_of_birth: date | None = strawberry.field(description="Partners and Panel only.")
    consistent_child_identifier: str | None = strawberry.field(description=(
        "The consistent identifier for the child (Children's Wellbeing and Schools Act 2026 s16LC), when one "
        "was given. Partners and Panel only, and every read is audited, as for the name."))
    age_years: int | None = strawberry.field(description="Age in whole years on the day of the incident.")
    sex: Sex = strawberry.field(description="The child's sex as recorded.")
    looked_after: bool = strawberry.field(description="Looked after by a local authority (para 13).")
    on_child_protection_plan: bool = strawberry.field(description="Subject of a child protection plan.")
    care_leaver: bool = strawberry.field(description="A care leaver (Working Together 2023).")
    ethnicity: Ethnicity | None = strawberry.field(description=(
        "Children in need census code. Partners and Panel only, and every read is audited, as for the name."))
    disability: Disability | None = strawberry.field(description="Partners and Panel only.")
    social_care_status: SocialCareStatus | None = strawberry.field(description=(
        "Status with children's social care at the time. Partners and Panel only."))
    education_setting: EducationSetting | None = strawberry.field(description=(
        "Education or institutional setting at the time (para 22). Partners and Panel only."))
    harm_category: HarmCategory | None = strawberry.field(description="Category of harm. Partners and Panel only.")
    suspected_perpetrator: PerpetratorRelationship | None = strawberry.field(description=(
        "Relationship of any suspected perpetrator to the child. Partners and Panel only."))
    unborn_or_under_one: bool | None = strawberry.field(description=(
        "Unborn or under one at the time. Partners and Panel only."))

    @classmethod
    def from_model(cls, row: models.Child, *, identity: bool) -> Child:
        return cls(
            pseudonym=row.pseudonym,
            first_name=row.first_name if identity else None,
            last_name=row.last_name if identity else None,
            date_of_birth=row.date_of_birth if identity else None,
            consistent_child_identifier=row.consistent_child_identifier if identity else None,
            age_years=row.age_years, sex=Sex(row.sex), looked_after=row.looked_after,
            on_child_protection_plan=row.on_child_protection_plan, care_leaver=row.care_leaver,
            **_details(row, shown=identity),
        )


def _details(row: models.Child, *, shown: bool) -> dict[str, Any]:
    """The form's details as the schema's fields, or all null for a role that may not see them."""
    details = details_of(row)
    return {f.name: getattr(details, f.name) if shown else None for f in dataclasses.fields(details)}


@strawberry.type(description="What happened (paras 10-11).")
class Incident:
    kind: IncidentKind = strawberry.field(description="Death or serious harm.")
    occurred_on: date = strawberry.field(description="When it happened.")
    aware_on: date = strawberry.field(description="When the local authority (or referrer) became aware.")
    abuse_or_neglect: AbuseOrNeglect = strawberry.field(description="Known, suspected or not suspected.")
    location: IncidentLocation = strawberry.field(description="Where, for the s16C(1) test.")
    summary: str = strawberry.field(description="What happened, without the child's name.")


@strawberry.federation.type(
    keys=["id"],
    description="A serious child safeguarding case: one incident, up to four children. Visible to "
    "the partners of its lead and involved partnerships, to the Panel once notified, and to the "
    "bodies it was routed to; anyone else gets null.",
)
class Case:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    reference: str = strawberry.field(description="Human-readable reference, e.g. CSPR-2026-1A2B3C4D.")
    status: CaseStatus = strawberry.field(description="Where the case is in the statutory process.")
    created_at: datetime = strawberry.field(description="When the hub first recorded it.")
    row: strawberry.Private[models.Case]

    @classmethod
    def from_model(cls, row: models.Case) -> Case:
        return cls(id=strawberry.ID(row.id), reference=row.reference, status=CaseStatus(row.status),
                   created_at=row.created_at, row=row)

    @strawberry.field(description="What happened.")
    def incident(self) -> Incident:  # made when asked for: a page of cases seldom asks
        row = self.row
        return Incident(
            kind=IncidentKind(row.incident_kind), occurred_on=row.occurred_on, aware_on=row.aware_on,
            abuse_or_neglect=AbuseOrNeglect(row.abuse_or_neglect),
            location=IncidentLocation(row.location), summary=row.summary,
        )

    @classmethod
    async def resolve_reference(cls, info: HubInfo, id: strawberry.ID) -> Case | None:
        row = await info.context.loaders.visible_case.load(str(id))
        return cls.from_model(row) if row else None

    @strawberry.field(description="The partnership that leads the case (para 12).", graphql_type=SafeguardingPartnership)
    def lead_partnership(self, info: HubInfo) -> SafeguardingPartnership | Awaitable[SafeguardingPartnership]:
        reference = info.context.reference
        held = reference.partnerships.get(self.row.lead_partnership_id) if reference is not None else None
        if held is not None:  # in memory: no awaitable to complete
            return SafeguardingPartnership.from_model(held)
        return self._lead_partnership(info)

    async def _lead_partnership(self, info: HubInfo) -> SafeguardingPartnership:
        row = await info.context.loaders.partnership.load(self.row.lead_partnership_id)
        assert row is not None
        return SafeguardingPartnership.from_model(row)

    @strawberry.field(description="Other partnerships involved (para 12, footnote 77; para 18).")
    async def involved_partnerships(self, info: HubInfo) -> list[SafeguardingPartnership]:
        links = await info.context.loaders.case_partnerships.load(self.row.id)
        rows = await info.context.loaders.partnership.load_many(
            [link.partnership_id for link in links if link.role == "INVOLVED"])
        return [SafeguardingPartnership.from_model(r) for r in rows if r is not None]

    @strawberry.field(description="The first child named.")
    async def child(self, info: HubInfo) -> Child:
        rows = await info.context.loaders.children.load(self.row.id)
        return Child.from_model(rows[0], identity=await _disclosed(info, self.row.id))

    @strawberry.field(description="Every child named in the incident (up to four).")
    async def children(self, info: HubInfo) -> list[Child]:
        rows = await info.context.loaders.children.load(self.row.id)
        identity = await _disclosed(info, self.row.id)
        return [Child.from_model(r, identity=identity) for r in rows]

    @strawberry.field(description="The notification to the Panel, if one was made (paras 12-13).",
                      graphql_type=Optional[Annotated["Notification", strawberry.lazy("schema.notification")]])  # noqa: UP045 - a lazy name cannot take |: evaluated now
    def notification(self, info: HubInfo) -> Notification | None | Awaitable[Notification | None]:
        from schema.notification import Notification

        row = settled(info.context.loaders.notification, self.row.id)
        if row is not MISSING:  # loaded ahead with the page
            return Notification.from_model(row) if row else None
        return self._notification(info)

    async def _notification(self, info: HubInfo) -> Notification | None:
        from schema.notification import Notification

        row = await info.context.loaders.notification.load(self.row.id)
        return Notification.from_model(row) if row else None

    @strawberry.field(description="The rapid review, once started (paras 20-21).")
    async def rapid_review(
        self, info: HubInfo
    ) -> Annotated[RapidReview, strawberry.lazy("schema.rapid_review")] | None:
        from schema.rapid_review import RapidReview

        if not _full(info):
            return None
        row = await info.context.loaders.rapid_review_of_case.load(self.row.id)
        return RapidReview.from_model(row) if row else None

    @strawberry.field(description="Every information request about the case, oldest first (paras 24, 35).")
    async def information_requests(
        self, info: HubInfo
    ) -> list[Annotated[InformationRequest, strawberry.lazy("schema.information_request")]]:
        from hub.clock import today_in_england
        from schema.information_request import InformationRequest

        today = today_in_england(info.context.clock)
        if not _full(info):
            return []
        rows = await info.context.loaders.requests_of_case.load(self.row.id)
        return [InformationRequest.from_model(r, today=today) for r in rows]

    @strawberry.field(description="The timeline: every step with its actor and time, oldest first.")
    async def events(self, info: HubInfo) -> list[Annotated[CaseEvent, strawberry.lazy("schema.case_record")]]:
        from schema.case_record import CaseEvent

        if not _full(info):
            return []
        rows = await info.context.loaders.events_of_case.load(self.row.id)
        return [CaseEvent.from_model(r) for r in rows]

    @strawberry.field(description="How and when decisions reached the family (paras 17, 26).")
    async def family_communications(
        self, info: HubInfo
    ) -> list[Annotated[FamilyCommunication, strawberry.lazy("schema.case_record")]]:
        from schema.case_record import FamilyCommunication

        if not _full(info):
            return []
        rows = await info.context.loaders.family_of_case.load(self.row.id)
        return [FamilyCommunication.from_model(r) for r in rows]

    @strawberry.field(description="Investigations and reviews running alongside (para 29).")
    async def parallel_proceedings(
        self, info: HubInfo
    ) -> list[Annotated[ParallelProceeding, strawberry.lazy("schema.case_record")]]:
        from schema.case_record import ParallelProceeding

        if not _full(info):
            return []
        rows = await info.context.loaders.proceedings_of_case.load(self.row.id)
        return [ParallelProceeding.from_model(r) for r in rows]

    @strawberry.field(description="Its local and national practice reviews (paras 30-51).")
    async def reviews(self, info: HubInfo) -> list[Annotated[PracticeReview, strawberry.lazy("schema.practice_review")]]:
        from hub.clock import today_in_england
        from schema.practice_review import PracticeReview

        today = today_in_england(info.context.clock)
        return [PracticeReview.from_model(r, today=today) for r in await info.context.loaders.reviews_of_case.load(self.row.id)]

    @strawberry.field(description="Thematic national reviews that include the case (para 28).")
    async def thematic_reviews(
        self, info: HubInfo
    ) -> list[Annotated[ThematicReview, strawberry.lazy("schema.practice_review")]]:
        from schema.practice_review import ThematicReview

        return [ThematicReview.from_model(r) for r in await info.context.loaders.thematic_reviews_of_case.load(self.row.id)]

    @strawberry.field(description="Messages routed about this case that the caller may see.")
    async def routed_messages(
        self, info: HubInfo
    ) -> list[Annotated[RoutedMessage, strawberry.lazy("schema.routing")]]:
        from schema.routing import visible_messages

        return visible_messages(info, await info.context.loaders.messages_about.load(self.row.id))


@strawberry.input(description="Narrow a list of cases.")
class CaseFilter:
    status: list[CaseStatus] | None = strawberry.field(default=None, description="Only cases in these states.")
    created_after: date | None = strawberry.field(default=None, description="Recorded on or after this day (England).")
    created_before: date | None = strawberry.field(default=None, description="Recorded before this day (England).")
