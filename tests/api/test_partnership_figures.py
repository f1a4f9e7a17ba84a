"""The partnership's figures for its yearly report (para 43), through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from hub.clock import FixedClock
from tests.api.reviews import CAMDEN_LA, PANEL, UPDATE, at, errors, reported
from tests.api.test_notification import BIRMINGHAM, CAMDEN, MET
from tests.conftest import Api

FIGURES = """query($p: ID!, $from: Date!, $to: Date!) { partnershipFigures(partnershipId: $p, from: $from, to: $to) {
  reviewsConsidered reviewsCommissioned reviewsPublished recommendationsOpen recommendationsOverdue
  recommendationsCompleted } }"""
PARTNERSHIP = """query($code: String!) { organisation(code: $code) { partnerships { id } } }"""
YEAR_2026 = {"from": "2026-04-01", "to": "2027-03-31"}
YEAR_2027 = {"from": "2027-04-01", "to": "2028-03-31"}


async def figures(api: Api, partnership: str, period: dict[str, str], as_: tuple[str, str] = CAMDEN_LA
                  ) -> dict[str, Any]:
    body = await api(FIGURES, {"p": partnership, **period}, as_=as_)
    return body


def counts(body: dict[str, Any]) -> tuple[int, ...]:
    return tuple(body["data"]["partnershipFigures"].values())


@pytest.mark.rule("partnership-yearly-figures")
async def test_para_43_the_partnership_counts_its_reviews_and_audits_its_recommendations(
    api: Api, clock: FixedClock
) -> None:
    # given Camden's partnership sent a rapid review to the Panel and commissioned a local review in December 2026,
    # whose report makes two recommendations (Met Police due 30 September 2027, Camden due 30 June 2027)
    review = await reported(api)
    found = await api(PARTNERSHIP, {"code": CAMDEN}, as_=CAMDEN_LA)
    partnership = found["data"]["organisation"]["partnerships"][0]["id"]
    # then its year 2026-27 shows one review considered, one commissioned, none published, two open
    assert counts(await figures(api, partnership, YEAR_2026)) == (1, 1, 0, 2, 0, 0)
    # and a year before shows nothing considered or commissioned
    assert counts(await figures(api, partnership, {"from": "2025-04-01", "to": "2026-03-31"}))[:3] == (0, 0, 0)
    # when on 1 July 2027 Camden's recommendation is overdue, and then completed
    at(clock, 2027, 7, 1)
    assert counts(await figures(api, partnership, YEAR_2027, as_=(MET, "police"))) == (0, 0, 0, 2, 1, 0)
    camden_id = next(r["id"] for r in review["recommendations"] if r["addressee"]["code"] == CAMDEN)
    done = await api(UPDATE, {"r": camden_id, "i": {"status": "COMPLETED", "progress": "Audit done.",
                                                    "evidence": "Audit report June 2027."}}, as_=CAMDEN_LA)
    assert errors(done, "updateRecommendation") == []
    # then one stays open, none is overdue, and one was completed in 2027-28
    assert counts(await figures(api, partnership, YEAR_2027)) == (0, 0, 0, 1, 0, 1)


@pytest.mark.rule("partnership-yearly-figures")
async def test_only_the_partnerships_own_members_read_its_figures(api: Api) -> None:
    found = await api(PARTNERSHIP, {"code": CAMDEN}, as_=CAMDEN_LA)
    partnership = found["data"]["organisation"]["partnerships"][0]["id"]
    for reader in ((BIRMINGHAM, "la"), PANEL, ("DFE", "dfe")):
        body = await figures(api, partnership, YEAR_2026, as_=reader)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], reader
    body = await figures(api, partnership, {"from": "2027-01-01", "to": "2026-01-01"})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
