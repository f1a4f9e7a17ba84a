"""Mutations for notification and referral: fetch, validate shape, call one core action, return."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from hub import looked_after_death, notification, referral
from hub.case import ChildFacts, IncidentFacts
from hub.child_details import ChildDetails
from hub.principal import Principal
from hub.vocabulary import Role
from resolvers.errors import unit_of_work
from resolvers.permissions import described, roles
from schema.case import Case
from schema.common import parse_id
from schema.context import HubInfo
from schema.notification import (
    ChildInput,
    IncidentInput,
    Notification,
    NotifyLookedAfterChildDeathInput,
    NotifyLookedAfterChildDeathPayload,
    NotifySeriousIncidentInput,
    NotifySeriousIncidentPayload,
    ReferIncidentInput,
    ReferIncidentPayload,
)


def child_facts(child: ChildInput) -> ChildFacts:
    return ChildFacts(
        sex=child.sex, looked_after=child.looked_after,
        on_child_protection_plan=child.on_child_protection_plan, first_name=child.first_name,
        last_name=child.last_name, date_of_birth=child.date_of_birth,
        consistent_child_identifier=child.consistent_child_identifier,
        details=ChildDetails(
            ethnicity=child.ethnicity, disability=child.disability, social_care_status=child.social_care_status,
            education_setting=child.education_setting, harm_category=child.harm_category,
            suspected_perpetrator=child.suspected_perpetrator, unborn_or_under_one=child.unborn_or_under_one,
        ),
    )


def incident_facts(incident: IncidentInput) -> IncidentFacts:
    return IncidentFacts(
        kind=incident.kind, occurred_on=incident.occurred_on,
        aware_on=incident.aware_on, abuse_or_neglect=incident.abuse_or_neglect,
        location=incident.location, summary=incident.summary,
    )


async def _notify(info: HubInfo, input: NotifySeriousIncidentInput) -> NotifySeriousIncidentPayload:
    notice = notification.SeriousIncidentNotice(
        child=child_facts(input.child), incident=incident_facts(input.incident),
        other_children=tuple(child_facts(c) for c in input.other_children or ()),
        other_area_codes=tuple(dict.fromkeys(input.other_area_codes or ())),
        late_reason=input.late_reason, idempotency_key=input.idempotency_key,
        case_id=parse_id(input.case_id, "caseId") if input.case_id is not None else None,
    )

    async def act(session: AsyncSession) -> notification.Notified:
        return await notification.notify_serious_incident(
            session, clock=info.context.clock, principal=_principal(info), notice=notice)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return NotifySeriousIncidentPayload(case=None, notification=None, errors=done)
    return NotifySeriousIncidentPayload(case=Case.from_model(done.case),
                                        notification=Notification.from_model(done.notification), errors=[])


async def _notify_looked_after(
    info: HubInfo, input: NotifyLookedAfterChildDeathInput
) -> NotifyLookedAfterChildDeathPayload:
    notice = looked_after_death.LookedAfterDeathNotice(
        child=child_facts(input.child), died_on=input.died_on, aware_on=input.aware_on,
        abuse_or_neglect=input.abuse_or_neglect, summary=input.summary,
        care_leaver=bool(input.care_leaver), late_reason=input.late_reason,
        idempotency_key=input.idempotency_key, location=input.location,
        died_in_area_code=input.died_in_area_code, age_at_death=input.age_at_death,
    )

    async def act(session: AsyncSession) -> notification.Notified:
        return await looked_after_death.notify_looked_after_child_death(
            session, clock=info.context.clock, principal=_principal(info), notice=notice)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return NotifyLookedAfterChildDeathPayload(case=None, notification=None, errors=done)
    return NotifyLookedAfterChildDeathPayload(
        case=Case.from_model(done.case), notification=Notification.from_model(done.notification), errors=[])


async def _refer(info: HubInfo, input: ReferIncidentInput) -> ReferIncidentPayload:
    wanted = referral.IncidentReferral(
        local_authority_code=input.local_authority_code, child=child_facts(input.child),
        incident=incident_facts(input.incident), idempotency_key=input.idempotency_key,
    )

    async def act(session: AsyncSession) -> referral.Referred:
        return await referral.refer_incident(
            session, clock=info.context.clock, principal=_principal(info), referral=wanted)

    done = await unit_of_work(info, act)
    if isinstance(done, list):
        return ReferIncidentPayload(case=None, errors=done)
    return ReferIncidentPayload(case=Case.from_model(done.case), errors=[])


def _principal(info: HubInfo) -> Principal:
    assert info.context.principal is not None
    return info.context.principal


NOTIFIERS = (Role.LA,)


@strawberry.type
class NotificationMutations:
    notify_serious_incident: NotifySeriousIncidentPayload = strawberry.field(
        resolver=_notify, extensions=roles(*NOTIFIERS), description=described(
            "Notify a serious incident to the Panel (s16C; para 12): refused with the failed limb "
            "when not notifiable; routed to the Panel, Ofsted, DfE and the partners of every area "
            "involved, due awareOn + 5 working days. With caseId, a case referred to the partners (para 14) "
            "becomes the notified case.", NOTIFIERS))
    notify_looked_after_child_death: NotifyLookedAfterChildDeathPayload = strawberry.field(
        resolver=_notify_looked_after, extensions=roles(*NOTIFIERS), description=described(
            "Notify the death of a looked-after child or care leaver to the Secretary of State and "
            "Ofsted (para 13); with abuse or neglect known or suspected, also to the Panel where s16C makes "
            "it the notifier's (died in its area or outside England). A child who died in another English "
            "area is that area's to notify: its local authority and partners are told (s16C(1)(a), footnote "
            "77). A care leaver aged 18 or over is not a child and never reaches the Panel.", NOTIFIERS))
    refer_incident: ReferIncidentPayload = strawberry.field(
        resolver=_refer, extensions=roles(*sorted(referral.REFERRING_ROLES)), description=described(
            "Tell the safeguarding partners of an area about an incident they may review (para 14).",
            referral.REFERRING_ROLES))
