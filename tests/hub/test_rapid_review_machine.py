"""Random sequences of rapid-review steps by random roles keep the loop's invariants (paras 20-26).

Drives the core directly (no HTTP) on a real SQLite database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select, text
from sqlmodel import col

from app.main import Hub
from app.settings import Settings
from hub import criteria, information_request, models, panel_response, rapid_review
from hub import rapid_review_sign_off as sign_off
from hub.case import ChildFacts, IncidentFacts
from hub.clock import LONDON, FixedClock
from hub.errors import Forbidden, Refused
from hub.notification import SeriousIncidentNotice, notify_serious_incident
from hub.policy import Policy
from hub.principal import Principal
from hub.store import transaction
from hub.visibility import visible_cases
from hub.vocabulary import (
    AbuseOrNeglect,
    IncidentKind,
    IncidentLocation,
    OrganisationKind,
    PanelOutcome,
    RapidReviewRecommendation,
    Role,
    Sex,
)
from tests.conftest import CASE_TABLES

KIND_ROLE = {OrganisationKind.LOCAL_AUTHORITY.value: Role.LA, OrganisationKind.POLICE.value: Role.POLICE,
             OrganisationKind.HEALTH.value: Role.HEALTH, OrganisationKind.PANEL.value: Role.PANEL,
             OrganisationKind.OFSTED.value: Role.OFSTED, OrganisationKind.DFE.value: Role.DFE}
ACTORS = ["E09000007", "E23000001", "E54000071", "PANEL", "OFSTED", "E09000019", "E08000025"]
PARTNERS = ("E23000001", "E54000071")  # Camden's police and ICB: their sign-off or the reason it is missing
LOCAL = tuple(criteria.Considered(c, False, "Invented.") for c in criteria.LOCAL_MUST)
NATIONAL = tuple(criteria.Considered(c, True, "Invented.") for c in criteria.NATIONAL_MUST)


class Loop:
    """One event loop and one started hub for every example of the machine."""

    def __init__(self, database: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.clock = FixedClock(datetime(2026, 12, 22, 11, 0, tzinfo=LONDON))
        self.hub = Hub.create(Settings(database_url=f"sqlite+aiosqlite:///{database}"), self.clock)
        self.run(self.hub.start())
        self.principals: dict[str, Principal] = self.run(self._principals())

    def run(self, work: Any) -> Any:
        return self.loop.run_until_complete(work)

    async def _principals(self) -> dict[str, Principal]:
        async with self.hub.sessions() as session:
            orgs = (await session.execute(select(models.Organisation))).scalars().all()
        return {o.code: Principal(o.id, o.code, KIND_ROLE[o.kind], (KIND_ROLE[o.kind].value,))
                for o in orgs if o.kind in KIND_ROLE}

    def close(self) -> None:
        self.run(self.hub.stop())
        self.loop.close()


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    found = Loop(tmp_path_factory.mktemp("machine") / "hub.db")
    yield found
    found.close()


class RapidReviewLoop(RuleBasedStateMachine):
    shared: Loop

    def __init__(self) -> None:
        super().__init__()
        self.env = self.shared
        self.env.clock.set(datetime(2026, 12, 22, 11, 0, tzinfo=LONDON))
        self.env.run(self._reset())
        self.case_id = self.env.run(self._notify())
        self.review_id: str | None = None
        self.refusals = 0

    async def _reset(self) -> None:
        async with transaction(self.env.hub.sessions) as session:
            for table in CASE_TABLES:
                await session.execute(text(f"DELETE FROM {table}"))

    async def _notify(self) -> str:
        notice = SeriousIncidentNotice(
            child=ChildFacts(sex=Sex.MALE, looked_after=False, on_child_protection_plan=True),
            incident=IncidentFacts(IncidentKind.SERIOUS_HARM, date(2026, 12, 21), date(2026, 12, 22),
                                   AbuseOrNeglect.KNOWN, IncidentLocation.IN_AREA, "Invented incident."),
            other_area_codes=("E08000025",))
        async with transaction(self.env.hub.sessions) as session:
            done = await notify_serious_incident(session, clock=self.env.clock,
                                                 principal=self.env.principals["E09000007"], notice=notice)
            return done.case.id

    def attempt(self, action: Any) -> Any:
        async def run() -> Any:
            async with transaction(self.env.hub.sessions) as session:
                return await action(session)
        try:
            return self.env.run(run())
        except (Refused, Forbidden):
            self.refusals += 1
            return None

    def who(self, code: str) -> Principal:
        return self.env.principals[code]

    @rule(actor=st.sampled_from(ACTORS))
    def start(self, actor: str) -> None:
        found = self.attempt(lambda s: rapid_review.start(s, clock=self.env.clock, principal=self.who(actor),
                                                          case_id=self.case_id, policy=Policy()))
        if found is not None:
            self.review_id = found.id

    @precondition(lambda self: self.review_id is not None)
    @rule(actor=st.sampled_from(ACTORS), version=st.sampled_from([None, 0, 1, 2]))
    def contribute(self, actor: str, version: int | None) -> None:
        entry = rapid_review.Contribution(summary="Invented facts.", expected_version=version)
        self.attempt(lambda s: rapid_review.contribute(s, clock=self.env.clock, principal=self.who(actor),
                                                       review_id=str(self.review_id), entry=entry))

    @precondition(lambda self: self.review_id is not None)
    @rule(actor=st.sampled_from(ACTORS), recommendation=st.sampled_from(list(RapidReviewRecommendation)))
    def agree(self, actor: str, recommendation: RapidReviewRecommendation) -> None:
        self.attempt(lambda s: rapid_review.agree(s, clock=self.env.clock, principal=self.who(actor),
                                                  review_id=str(self.review_id), recommendation=recommendation))

    @precondition(lambda self: self.review_id is not None)
    @rule(actor=st.sampled_from(ACTORS), reason=st.booleans(), answered=st.booleans(),
          recommendation=st.sampled_from(list(RapidReviewRecommendation)),
          unsigned=st.booleans())
    def submit(self, actor: str, reason: bool, answered: bool, recommendation: RapidReviewRecommendation,
               unsigned: bool) -> None:
        entry = rapid_review.Submission(recommendation=recommendation, rationale="Invented rationale.",
                                        missing_contribution_reason="Invented reason." if reason else None,
                                        criteria_considered=LOCAL if answered else (),
                                        missing_sign_offs=tuple(sign_off.MissingSignOff(c, "Invented reason.")
                                                                for c in PARTNERS if unsigned))
        self.attempt(lambda s: rapid_review.submit(s, clock=self.env.clock, principal=self.who(actor),
                                                   review_id=str(self.review_id), entry=entry))

    @precondition(lambda self: self.review_id is not None)
    @rule(actor=st.sampled_from(ACTORS), outcome=st.sampled_from(list(PanelOutcome)), answered=st.booleans())
    def respond(self, actor: str, outcome: PanelOutcome, answered: bool) -> None:
        asking = outcome is PanelOutcome.FURTHER_INFORMATION_REQUIRED
        entry = panel_response.Response(
            outcome=outcome, rationale="Invented rationale.", questions=("Why?",) if asking else (),
            information_due_on=date(2027, 2, 1) if asking else None, criteria_considered=NATIONAL if answered else ())
        self.attempt(lambda s: panel_response.respond(s, clock=self.env.clock, principal=self.who(actor),
                                                      review_id=str(self.review_id), entry=entry, policy=Policy()))

    @rule(actor=st.sampled_from(ACTORS))
    def request_information(self, actor: str) -> None:
        ask = information_request.Ask(("What happened?",), date(2027, 2, 1))
        self.attempt(lambda s: information_request.request_information(
            s, clock=self.env.clock, principal=self.who(actor), case_id=self.case_id, ask=ask, policy=Policy()))

    @rule(actor=st.sampled_from(ACTORS))
    def answer(self, actor: str) -> None:
        async def act(session: Any) -> Any:
            found = (await session.execute(select(models.InformationRequest).where(
                col(models.InformationRequest.status) == "OPEN"))).scalars().first()
            if found is None:
                return None
            return await information_request.answer(session, clock=self.env.clock, principal=self.who(actor),
                                                    request_id=found.id, text="Invented answer.")
        self.attempt(act)

    @rule()
    def time_passes(self) -> None:
        self.env.clock.set(self.env.clock.now() + timedelta(hours=7))

    @invariant()
    def loop_invariants(self) -> None:
        self.env.run(self._check())

    async def _check(self) -> None:
        async with self.env.hub.sessions() as session:
            open_rounds = (await session.execute(
                select(models.InformationRequest.rapid_review_id, func.count())
                .where(col(models.InformationRequest.status) == "OPEN",
                       col(models.InformationRequest.rapid_review_id).is_not(None))
                .group_by(col(models.InformationRequest.rapid_review_id)))).all()
            assert all(n <= 1 for _, n in open_rounds), "two open rounds"
            for response in (await session.execute(select(models.PanelResponse))).scalars():
                review = await session.get(models.RapidReview, response.rapid_review_id)
                assert review is not None and review.submitted_at is not None, "a response before submission"
                assert response.responded_at >= review.submitted_at
                if response.outcome != PanelOutcome.FURTHER_INFORMATION_REQUIRED.value:
                    answered = {c["criterion"] for c in response.criteria_considered or []}
                    assert set(criteria.NATIONAL_MUST) <= answered, "a Panel decision without the para 22 criteria"
            await self._submitted_by_the_partners(session)
            messages = (await session.execute(select(models.RoutedMessage))).scalars().all()
            assert all(m.basis.strip() for m in messages), "a routed message without a basis"
            await self._nothing_visible_outside(session, messages)

    async def _submitted_by_the_partners(self, session: Any) -> None:
        submitted = await session.execute(
            select(models.RapidReview).where(col(models.RapidReview.submitted_at).is_not(None)))
        for review in submitted.scalars():
            answered = {c["criterion"] for c in review.criteria_considered or []}
            assert set(criteria.LOCAL_MUST) <= answered, "a submission without the para 18 criteria"
            rows = (await session.execute(select(models.RapidReviewSignOff).where(
                col(models.RapidReviewSignOff.rapid_review_id) == review.id))).scalars().all()
            agreed = [r for r in rows if r.missing_reason or r.recommendation == review.recommendation]
            assert len(agreed) == 3, "a submission without each of the three partners' agreement or its reason"

    async def _nothing_visible_outside(self, session: Any, messages: list[models.RoutedMessage]) -> None:
        today = date(2026, 12, 22)
        outsider = await visible_cases(session, self.who("E09000019"), today)
        seen = (await session.execute(select(func.count()).select_from(models.Case).where(outsider))).scalar_one()
        assert seen == 0, "a case visible to an uninvolved local authority"
        by_id = {p.organisation_id: p for p in self.env.principals.values()}
        for message in messages:
            reader = by_id.get(message.recipient_id) or self.who("DFE")  # DfE reads for the Secretary of State
            condition = await visible_cases(session, reader, today)
            found = (await session.execute(select(func.count()).select_from(models.Case).where(
                condition, col(models.Case.id) == message.case_id))).scalar_one()
            assert found == 1, f"{message.event_type} routed to an organisation that cannot see the case"


@pytest.mark.rule("rapid-review-transitions")
def test_random_sequences_of_steps_keep_the_loops_invariants(loop: Loop) -> None:
    RapidReviewLoop.shared = loop
    runner = RapidReviewLoop.TestCase
    runner.settings = settings(max_examples=30, stateful_step_count=20, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow])
    runner().runTest()
