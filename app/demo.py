"""``cspr-hub demo``: invented cases at every stage of the process, made through the hub's own operations.

Each case is walked through the same GraphQL mutations an agency system calls (and so through the core's
rules in ``hub/``), acting as the organisation each step belongs to, on a clock that starts weeks ago so that
every step happens on a working day and a report can have been published. Nothing is inserted directly.

Every demo case's incident summary starts with ``DEMO_MARK``; the demo refuses a database holding any other
case, and refuses to run in production. The children's names are invented and unusual, so the para 39 check
(``hub/naming.py``) finds them if they reach text meant for publication.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from app.main import Hub
from app.settings import Environment
from hub.clock import LONDON, FixedClock, today_in_england
from hub.deadlines import add_working_days, is_working_day
from hub.models import Case, Organisation
from hub.principal import Principal
from hub.vocabulary import Role
from resolvers import build_schema
from resolvers.context import make_context

DEMO_MARK = "[demo]"
CAMDEN = "E09000007"
MET = "E23000001"
BIRMINGHAM = "E08000025"
PANEL = "PANEL"


class DemoRefused(Exception):
    """The demo will not run here; the message says why."""


class DemoFailed(Exception):
    """A step was refused by the hub (a bug in the demo script, or a rule changed)."""


@dataclass(frozen=True)
class InventedChild:
    first_name: str
    last_name: str
    date_of_birth: date
    sex: str


# invented, and unusual enough that the para 39 check would find them in a published title
CHILDREN = [
    InventedChild("Elowen", "Farthingale", date(2019, 4, 12), "FEMALE"),
    InventedChild("Tobiah", "Wrenfield", date(2021, 9, 3), "MALE"),
    InventedChild("Marisol", "Quenby", date(2024, 1, 22), "FEMALE"),
    InventedChild("Caspian", "Thistlewood", date(2016, 6, 30), "MALE"),
    InventedChild("Isolde", "Pennimore", date(2023, 11, 8), "FEMALE"),
    InventedChild("Peregrine", "Ashcombe", date(2012, 2, 17), "MALE"),
    InventedChild("Ottoline", "Greyhaven", date(2020, 7, 5), "FEMALE"),
    InventedChild("Florian", "Starbrook", date(2018, 10, 14), "MALE"),
    InventedChild("Wilhelmina", "Quillfeather", date(2025, 3, 9), "FEMALE"),
]

NOTIFY = """mutation($i: NotifySeriousIncidentInput!) { notifySeriousIncident(input: $i) {
  case { id reference } errors { code field message } } }"""
MEMBERS = "query($c: String!) { organisation(code: $c) { partnerships { members { code kind } } } }"
START = """mutation($c: ID!) { startRapidReview(caseId: $c) { rapidReview { id } errors { code field message } } }"""
CONTRIBUTE = """mutation($r: ID!, $i: RapidReviewContributionInput!) { contributeToRapidReview(rapidReviewId: $r,
  input: $i) { errors { code field message } } }"""
AGREE = """mutation($r: ID!, $i: AgreeRapidReviewInput!) { agreeRapidReview(rapidReviewId: $r, input: $i) {
  errors { code field message } } }"""
SUBMIT = """mutation($r: ID!, $i: SubmitRapidReviewInput!) { submitRapidReview(rapidReviewId: $r, input: $i) {
  errors { code field message } } }"""
RESPOND = """mutation($r: ID!, $i: PanelResponseInput!) { respondToRapidReview(rapidReviewId: $r, input: $i) {
  errors { code field message } } }"""
COMMISSION = """mutation($c: ID!, $i: CommissionReviewInput!) { commissionReview(caseId: $c, input: $i) {
  review { id } errors { code field message } } }"""
REPORT = """mutation($r: ID!, $i: FinalReportInput!) { submitFinalReport(reviewId: $r, input: $i) {
  errors { code field message } } }"""
SCHEDULE = """mutation($r: ID!, $d: Date!) { schedulePublication(reviewId: $r, publishOn: $d) {
  errors { code field message } } }"""
PUBLISH = """mutation($r: ID!, $i: PublishReportInput!) { publishReport(reviewId: $r, input: $i) {
  errors { code field message } } }"""
HAND_OFF = """mutation($c: ID!, $i: CaseHandoffInput!) { handOffCase(caseId: $c, input: $i) {
  errors { code field message } } }"""

LOCAL_CRITERIA = [
    {"criterion": "IMPROVEMENTS_NEEDED", "met": True, "how": "Invented: referrals were not followed up."},
    {"criterion": "RECURRENT_THEMES", "met": False, "how": "Invented: no recurring theme in recent reviews."},
    {"criterion": "AGENCIES_WORKING_TOGETHER", "met": True, "how": "Invented: police and health held facts apart."},
    {"criterion": "PANEL_CONSIDERS_LOCAL_REVIEW", "met": False, "how": "Invented: the Panel has not yet said."},
]
NATIONAL_CRITERIA = [
    {"criterion": "IMPROVEMENTS_NEEDED", "met": True, "how": "Invented: national learning identified."},
    {"criterion": "LEGISLATION_OR_GUIDANCE_CHANGE", "met": False, "how": "Invented: guidance covers it."},
    {"criterion": "RECURRENT_THEMES", "met": True, "how": "Invented: like other cases notified this year."},
]
SUBMISSION = {"recommendation": "NATIONAL_REVIEW_MAY_BE_APPROPRIATE",
              "rationale": "Invented: issues of national importance about agencies working together.",
              "criteria": ["AGENCIES_WORKING_TOGETHER", "MORE_THAN_ONE_AREA"], "criteriaConsidered": LOCAL_CRITERIA,
              "immediateActionsTaken": "Invented: safety plans for siblings.",
              "learningIdentified": "Invented: information sharing."}
LOCAL_SUBMISSION = {**SUBMISSION, "recommendation": "LOCAL_REVIEW", "criteria": ["IMPROVEMENTS_NEEDED"]}
REVIEWER = {"name": "Dr Invented Reviewer", "criteriaMet": [
    "PROFESSIONAL_KNOWLEDGE", "RESEARCH_KNOWLEDGE", "COMPLEX_CIRCUMSTANCES", "PRACTICE_WITHOUT_HINDSIGHT",
    "COMMUNICATES_FINDINGS"]}


@dataclass
class Made:
    """One demo case: its reference, its stage, and whom to ask about it."""

    reference: str
    stage: str
    try_as: str
    child: InventedChild


@dataclass
class Demo:
    hub: Hub
    clock: FixedClock
    today: date
    made: list[Made] = field(default_factory=list)
    _orgs: dict[str, str] = field(default_factory=dict)
    _schema: Any = None

    # --- acting as an organisation, on the demo's clock -------------------------------------------------------

    def on(self, day: date) -> None:
        if day > self.today:
            raise DemoFailed(f"the demo script steps into the future ({day})")
        self.clock.set(datetime.combine(day, time(10, 0), tzinfo=LONDON))

    def working_days_ago(self, days: int) -> date:
        return add_working_days(self.today, -days)

    async def principal(self, code: str, role: str) -> Principal:
        if code not in self._orgs:
            async with self.hub.sessions() as session:
                found = (await session.execute(select(col(Organisation.id)).where(col(Organisation.code) == code))).scalar()
            if found is None:
                raise DemoFailed(f"the reference organisation {code} is not loaded")
            self._orgs[code] = str(found)
        return Principal(self._orgs[code], code, Role(role), (role,), client_id="cspr-hub demo")

    async def run(self, who: tuple[str, str], document: str, variables: dict[str, Any]) -> dict[str, Any]:
        if self._schema is None:
            self._schema = build_schema()
        settings = self.hub.settings
        context = make_context(request=None, response=None, principal=await self.principal(*who), clock=self.clock,
                               sessions=self.hub.sessions, policy=settings.policy, feed=self.hub.feed,
                               sealer=self.hub.sealer())
        result = await self._schema.execute(document, variable_values=variables, context_value=context)
        if result.errors:
            raise DemoFailed(f"{document.split('(')[0].strip()}: {[e.message for e in result.errors]}")
        (payload,) = result.data.values()
        if isinstance(payload, dict) and payload.get("errors"):
            raise DemoFailed(f"{next(iter(result.data))} refused: {payload['errors']}")
        return dict(payload or {})

    # --- the steps of the process -----------------------------------------------------------------------------

    async def notify(self, child: InventedChild, summary: str) -> dict[str, str]:
        day = today_in_england(self.clock)
        value = {"child": {"firstName": child.first_name, "lastName": child.last_name,
                           "dateOfBirth": child.date_of_birth.isoformat(), "sex": child.sex, "lookedAfter": False,
                           "onChildProtectionPlan": True},
                 "incident": {"kind": "SERIOUS_HARM", "occurredOn": day.isoformat(), "awareOn": day.isoformat(),
                              "abuseOrNeglect": "SUSPECTED", "location": "IN_AREA",
                              "summary": f"{DEMO_MARK} Invented: {summary}"}}
        return dict((await self.run((CAMDEN, "la"), NOTIFY, {"i": value}))["case"])

    async def health_partner(self) -> str:
        found = await self.run((CAMDEN, "la"), MEMBERS, {"c": CAMDEN})
        return str(next(m["code"] for p in found["partnerships"] for m in p["members"] if m["kind"] == "HEALTH"))

    async def started(self, case_id: str) -> str:
        return str((await self.run((CAMDEN, "la"), START, {"c": case_id}))["rapidReview"]["id"])

    async def contributed(self, review_id: str, *, everyone: bool = True) -> None:
        partners = [(CAMDEN, "la"), (MET, "police"), (await self.health_partner(), "health")]
        for who in partners if everyone else partners[:1]:
            await self.run(who, CONTRIBUTE, {"r": review_id, "i": {"summary": f"Invented: what {who[0]} knew."}})

    async def signed_off(self, review_id: str, recommendation: str) -> None:
        for who in [(MET, "police"), (await self.health_partner(), "health")]:
            await self.run(who, AGREE, {"r": review_id, "i": {"recommendation": recommendation}})

    async def submitted(self, case_id: str, start: date, submission: dict[str, Any]) -> str:
        self.on(add_working_days(start, 1))
        review = await self.started(case_id)
        self.on(add_working_days(start, 3))
        await self.contributed(review)
        self.on(add_working_days(start, 5))
        await self.signed_off(review, str(submission["recommendation"]))
        await self.run((CAMDEN, "la"), SUBMIT, {"r": review, "i": submission})
        return review

    async def local_review(self, child: InventedChild, start: date, summary: str) -> tuple[dict[str, str], str]:
        self.on(start)
        case = await self.notify(child, summary)
        await self.submitted(case["id"], start, LOCAL_SUBMISSION)
        self.on(add_working_days(start, 7))
        body = await self.run((CAMDEN, "la"), COMMISSION, {"c": case["id"], "i": {"kind": "LOCAL",
                                                                                "reviewers": [REVIEWER]}})
        return case, str(body["review"]["id"])

    async def reported(self, review_id: str, day: date) -> None:
        self.on(day)
        due = (self.today + timedelta(days=365)).isoformat()
        report = {"title": "A local child safeguarding practice review (invented)",
                  "improvementsSummary": "Invented: agencies should share records of missed contacts.",
                  "systemicAnalysis": "Invented: no agency held the whole picture of missed contacts.",
                  "recommendations": [{"addresseeCode": MET, "action": "Invented: train officers.", "dueOn": due},
                                      {"addresseeCode": CAMDEN, "action": "Invented: audit escalation.",
                                       "dueOn": due}]}
        await self.run((CAMDEN, "la"), REPORT, {"r": review_id, "i": report})

    def keep(self, case: dict[str, str], stage: str, try_as: str, child: InventedChild) -> None:
        self.made.append(Made(case["reference"], stage, try_as, child))


CAMDEN_LA = f"--org {CAMDEN} --role la"
PANEL_ROLE = f"--org {PANEL} --role panel"


async def _notified(demo: Demo, child: InventedChild) -> None:
    demo.on(demo.today)
    case = await demo.notify(child, "a toddler admitted to hospital with an unexplained injury.")
    demo.keep(case, "notified: the Panel and the partners told (paras 12, 15)", CAMDEN_LA, child)


async def _being_written(demo: Demo, child: InventedChild) -> None:
    start = demo.working_days_ago(3)
    demo.on(start)
    case = await demo.notify(child, "a child found alone at home after several missed school days.")
    demo.on(add_working_days(start, 1))
    review = await demo.started(case["id"])
    demo.on(add_working_days(start, 2))
    await demo.contributed(review, everyone=False)
    demo.keep(case, "rapid review being written: one contribution in (para 20)", CAMDEN_LA, child)


async def _awaiting_panel(demo: Demo, child: InventedChild) -> None:
    start = demo.working_days_ago(8)
    demo.on(start)
    case = await demo.notify(child, "an infant with a serious head injury; neglect suspected.")
    await demo.submitted(case["id"], start, SUBMISSION)
    demo.keep(case, "rapid review submitted, awaiting the Panel (paras 21-22)", PANEL_ROLE, child)


async def _information_requested(demo: Demo, child: InventedChild) -> None:
    start = demo.working_days_ago(10)
    demo.on(start)
    case = await demo.notify(child, "a teenager seriously harmed outside the home.")
    review = await demo.submitted(case["id"], start, SUBMISSION)
    demo.on(add_working_days(start, 7))
    ask = {"outcome": "FURTHER_INFORMATION_REQUIRED", "rationale": "Invented: the police chronology is needed.",
           "questions": ["Invented: what contact did the police have with the family this year?"],
           "informationDueOn": add_working_days(demo.today, 5).isoformat(), "informationFromCodes": [CAMDEN, MET]}
    await demo.run((PANEL, "panel"), RESPOND, {"r": review, "i": ask})
    demo.keep(case, "further information requested by the Panel (para 24)", f"--org {MET} --role police", child)


async def _local_commissioned(demo: Demo, child: InventedChild) -> None:
    case, _ = await demo.local_review(child, demo.working_days_ago(15), "a baby's death; neglect suspected.")
    demo.keep(case, "local review commissioned (paras 16, 30)", CAMDEN_LA, child)


async def _national_commissioned(demo: Demo, child: InventedChild) -> None:
    start = demo.working_days_ago(20)
    demo.on(start)
    case = await demo.notify(child, "a death in circumstances of national importance.")
    review = await demo.submitted(case["id"], start, SUBMISSION)
    demo.on(add_working_days(start, 10))
    decision = {"outcome": "NATIONAL_REVIEW", "rationale": "Invented: complex, of national importance.",
                "criteriaConsidered": NATIONAL_CRITERIA}
    await demo.run((PANEL, "panel"), RESPOND, {"r": review, "i": decision})
    demo.on(add_working_days(start, 12))
    national = {"kind": "NATIONAL", "reviewers": [{"name": "Invented Outside Reviewer"}],
                "outsidePoolReason": "Invented: no pool reviewer has experience of this setting."}
    await demo.run((PANEL, "panel"), COMMISSION, {"c": case["id"], "i": national})
    demo.keep(case, "national review commissioned, the Secretary of State told (paras 26-27)", PANEL_ROLE, child)


async def _scheduled(demo: Demo, child: InventedChild) -> None:
    case, review = await demo.local_review(child, demo.working_days_ago(40), "a child's death after abuse.")
    await demo.reported(review, demo.working_days_ago(5))
    demo.on(demo.today)
    await demo.run((CAMDEN, "la"), SCHEDULE, {"r": review, "d": add_working_days(demo.today, 10).isoformat()})
    demo.keep(case, "report scheduled; pre-publication copies and notice sent (paras 38-40)", PANEL_ROLE, child)


async def _published(demo: Demo, child: InventedChild) -> None:
    case, review = await demo.local_review(child, demo.working_days_ago(60), "a serious injury at a nursery.")
    await demo.reported(review, demo.working_days_ago(25))
    demo.on(demo.working_days_ago(20))
    await demo.run((CAMDEN, "la"), SCHEDULE, {"r": review, "d": demo.working_days_ago(13).isoformat()})
    demo.on(demo.working_days_ago(13))
    await demo.run((CAMDEN, "la"), PUBLISH, {"r": review, "i": {"publishedOn": demo.working_days_ago(13).isoformat(),
                                                                 "url": "https://example.org/reviews/invented"}})
    demo.keep(case, "report published (para 38; `publishedReports` needs no token)", CAMDEN_LA, child)


async def _handoff(demo: Demo, child: InventedChild) -> None:
    start = demo.working_days_ago(2)
    demo.on(start)
    case = await demo.notify(child, "a child placed out of area, seriously harmed.")
    demo.on(add_working_days(start, 1))
    await demo.run((CAMDEN, "la"), HAND_OFF, {"c": case["id"], "i": {
        "toLocalAuthorityCode": BIRMINGHAM, "reason": "Invented: the child was placed in Birmingham."}})
    demo.keep(case, "hand-off to Birmingham proposed (para 12, footnote 77)", f"--org {BIRMINGHAM} --role la", child)


STAGES: list[Callable[[Demo, InventedChild], Any]] = [
    _notified, _being_written, _awaiting_panel, _information_requested, _local_commissioned, _national_commissioned,
    _scheduled, _published, _handoff]


def _last_working_day(day: date) -> date:
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


async def not_demo_cases(hub: Hub) -> int:
    async with hub.sessions() as session:
        query = select(func.count()).select_from(Case).where(~col(Case.summary).startswith(DEMO_MARK, autoescape=True))
        return int((await session.execute(query)).scalar_one())


async def load(hub: Hub) -> list[Made]:
    """Make one invented case at each stage; DemoRefused in production or beside cases that are not demo cases."""
    if hub.settings.environment is Environment.PRODUCTION:
        raise DemoRefused("the demo invents cases: it does not run in production (CSPR_HUB_ENV=production)")
    await hub.start()
    others = await not_demo_cases(hub)
    if others:
        raise DemoRefused(f"this database holds {others} case(s) that are not demo cases: the demo adds invented "
                          "cases only to a database of its own (set CSPR_HUB_DATABASE_URL or --database-url)")
    today = _last_working_day(today_in_england(hub.clock))
    clock = FixedClock(datetime.combine(today, time(10, 0), tzinfo=LONDON))
    demo = Demo(Hub(hub.settings, clock, hub.engine, hub.sessions, feed=hub.feed, ready=True), clock, today)
    for stage, child in zip(STAGES, CHILDREN, strict=True):
        await stage(demo, child)
    return demo.made
