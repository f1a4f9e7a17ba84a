"""Generated cases and principals never break the visibility table of DOMAIN.md.

The expected answer is worked out here from the table itself (who is in which
partnership, what was routed to whom), independently of ``hub.visibility``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlmodel import col

from hub import models
from hub.case import ChildFacts, IncidentFacts
from hub.child_details import ChildDetails, Disability, EducationSetting, Ethnicity, HarmCategory
from hub.errors import Refused
from hub.notification import SeriousIncidentNotice, notify_serious_incident
from hub.referral import IncidentReferral, refer_incident
from hub.store import transaction
from hub.visibility import may_see_identity, visible_cases
from hub.vocabulary import AbuseOrNeglect, IncidentKind, IncidentLocation, Role, Sex
from schema.case import DETAIL_FIELDS, IDENTITY_FIELDS, Child
from tests.conftest import CASE_TABLES
from tests.hub.test_rapid_review_machine import Loop

TODAY = date(2026, 12, 22)
AREAS = ["E09000007", "E09000019", "E08000025", "E09000001", "E09000012", "E08000003"]
FORM_DETAILS = ChildDetails(ethnicity=Ethnicity.BAFR, disability=Disability.YES, harm_category=HarmCategory.NEGLECT,
                            education_setting=EducationSetting.ELECTIVE_HOME_EDUCATION, unborn_or_under_one=False)
READERS = ["E09000007", "E09000019", "E08000025", "E09000012", "E23000001", "E23000014", "E23000034",
           "PANEL", "OFSTED", "DFE"]


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Any:
    found = Loop(tmp_path_factory.mktemp("visibility") / "hub.db")
    yield found
    found.close()


case_plans = st.lists(st.fixed_dictionaries({
    "area": st.sampled_from(AREAS),
    "others": st.lists(st.sampled_from(AREAS), max_size=2, unique=True),
    "referred_by": st.sampled_from([None, "E23000001", "E23000014"]),
    "looked_after": st.booleans(),
}), min_size=1, max_size=4)


async def _reset(env: Loop) -> None:
    async with transaction(env.hub.sessions) as session:
        for table in CASE_TABLES:
            await session.execute(text(f"DELETE FROM {table}"))


async def _make(env: Loop, plan: dict[str, Any]) -> None:
    child = ChildFacts(sex=Sex.FEMALE, looked_after=plan["looked_after"], on_child_protection_plan=False,
                       details=FORM_DETAILS)
    incident = IncidentFacts(IncidentKind.DEATH, date(2026, 12, 20), date(2026, 12, 21), AbuseOrNeglect.SUSPECTED,
                             IncidentLocation.IN_AREA, "Invented.")
    try:
        async with transaction(env.hub.sessions) as session:
            if plan["referred_by"]:
                await refer_incident(session, clock=env.clock, principal=env.principals[plan["referred_by"]],
                                     referral=IncidentReferral(plan["area"], child, incident))
            else:
                await notify_serious_incident(session, clock=env.clock, principal=env.principals[plan["area"]],
                                              notice=SeriousIncidentNotice(child, incident,
                                                                           other_area_codes=tuple(plan["others"])))
    except Refused:
        pass  # e.g. an area named as its own other area: refused, nothing stored


async def _expected(env: Loop, reader: str) -> set[str]:
    """The visibility table, applied by hand."""
    principal = env.principals[reader]
    async with env.hub.sessions() as session:
        cases = (await session.execute(select(models.Case))).scalars().all()
        links = (await session.execute(select(models.CasePartnership))).scalars().all()
        members = (await session.execute(select(models.PartnershipMembership))).scalars().all()
        notes = {n.case_id: n for n in (await session.execute(select(models.Notification))).scalars()}
        codes = {o.id: o.code for o in (await session.execute(select(models.Organisation))).scalars()}
        routed = (await session.execute(select(models.RoutedMessage))).scalars().all()
    current = {(m.partnership_id, codes[m.organisation_id]) for m in members
               if m.effective_from <= TODAY and (m.effective_to is None or m.effective_to >= TODAY)}
    inbox = {reader, "SOS"} if principal.role is Role.DFE else {reader}
    seen = set()
    for case in cases:
        partnerships = {link.partnership_id for link in links if link.case_id == case.id}
        if principal.role in (Role.LA, Role.POLICE, Role.HEALTH):
            ok = any((p, reader) in current for p in partnerships)
        elif principal.role is Role.PANEL:
            ok = case.id in notes and notes[case.id].to_panel
        else:
            ok = any(m.case_id == case.id and codes[m.recipient_id] in inbox for m in routed)
        if ok:
            seen.add(case.id)
    return seen


async def _actual(env: Loop, reader: str, *, in_memory: bool = False) -> set[str]:
    """The cases ``visible_cases`` gives; ``in_memory``: a partner's partnerships and a recipient's organisations
    from the reference data held in memory (as the API's pages read them), not from the database."""
    reference = await env.hub.reference.current() if in_memory else None
    async with env.hub.sessions() as session:
        condition = await visible_cases(session, env.principals[reader], TODAY, reference=reference)
        return set((await session.execute(select(col(models.Case.id)).where(condition))).scalars())


@pytest.mark.rule("visibility-cases", "visibility-child-identity")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plans=case_plans)
def test_no_generated_read_breaks_the_visibility_table(loop: Loop, plans: list[dict[str, Any]]) -> None:
    loop.run(_reset(loop))
    for plan in plans:
        loop.run(_make(loop, plan))
    for reader in READERS:
        expected = loop.run(_expected(loop, reader))
        assert loop.run(_actual(loop, reader)) == expected, reader
        assert loop.run(_actual(loop, reader, in_memory=True)) == expected, reader
        role = loop.principals[reader].role
        assert may_see_identity(loop.principals[reader]) == (role in (Role.LA, Role.POLICE, Role.HEALTH, Role.PANEL))
        for child in loop.run(_children(loop)):
            shown = _shown(Child.from_model(child, identity=may_see_identity(loop.principals[reader])))
            if role not in (Role.LA, Role.POLICE, Role.HEALTH, Role.PANEL):
                assert not shown, (reader, shown)  # no role that may not see a child's details reads them
            else:
                assert shown == {"ethnicity", "disability", "harmCategory", "educationSetting", "unbornOrUnderOne"}


async def _children(env: Loop) -> list[models.Child]:
    async with env.hub.sessions() as session:
        return list((await session.execute(select(models.Child))).scalars())


def _shown(child: Child) -> set[str]:
    """The protected fields that carry a value: the identity and the form's details."""
    names = {"firstName": "first_name", "lastName": "last_name", "dateOfBirth": "date_of_birth",
             "consistentChildIdentifier": "consistent_child_identifier", "socialCareStatus": "social_care_status",
             "educationSetting": "education_setting", "harmCategory": "harm_category",
             "suspectedPerpetrator": "suspected_perpetrator", "unbornOrUnderOne": "unborn_or_under_one"}
    return {f for f in IDENTITY_FIELDS | DETAIL_FIELDS if getattr(child, names.get(f, f)) is not None}
