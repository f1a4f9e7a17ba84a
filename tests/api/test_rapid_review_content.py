"""The rapid review's content in the sections of the Panel's template (paras 20-21), on a real database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_notification import CAMDEN, MET
from tests.api.test_rapid_review import codes, started, submitted
from tests.conftest import Api

SECTIONS = "livedExperience keyPracticeEpisodes agenciesAnalysis immediateLearning familyInvolvement"
WRITE = f"""mutation($r: ID!, $i: RapidReviewContentInput!) {{ writeRapidReviewContent(rapidReviewId: $r, input: $i) {{
  rapidReview {{ version content {{ {SECTIONS} }} }} errors {{ code field message }} }} }}"""
READ = f"""query($c: ID!) {{ case(id: $c) {{ rapidReview {{ content {{ {SECTIONS} }} }} }} }}"""
CONTENT = {
    "livedExperience": "A baby of eight months, cared for mostly by a young mother; seen by the health visitor twice.",
    "keyPracticeEpisodes": "The missed six-week check; the referral from the emergency department in May.",
    "agenciesAnalysis": "Agencies did not ask about the family's culture and language; the father's disability was "
                        "not considered in the safety plan.",
    "immediateLearning": "Health visiting now follows up missed checks within five working days.",
    "familyInvolvement": "The mother met the lead reviewer; the father declined.",
}


async def write(api: Api, review: dict[str, Any], content: dict[str, Any], as_: tuple[str, str] = (CAMDEN, "la"),
                ) -> dict[str, Any]:
    body = await api(WRITE, {"r": review["id"], "i": content}, as_=as_)
    return body


@pytest.mark.rule("rapid-review-content")
async def test_the_lead_writes_the_templates_sections_and_whoever_reads_the_review_reads_them(api: Api) -> None:
    # given a rapid review in progress
    review = await started(api)
    # when the lead local authority writes the template's sections, then revises one
    body = await write(api, review, {**CONTENT, "expectedVersion": review["version"]})
    payload = body["data"]["writeRapidReviewContent"]
    assert payload["errors"] == [] and payload["rapidReview"]["content"] == CONTENT
    revised = await write(api, review, {"familyInvolvement": "Both parents met the lead reviewer."})
    assert revised["data"]["writeRapidReviewContent"]["rapidReview"]["version"] == payload["rapidReview"]["version"] + 1
    # then the partners read every section, the one revised and the others as they were
    expected = {**CONTENT, "familyInvolvement": "Both parents met the lead reviewer."}
    read = await api(READ, {"c": review["caseId"]}, as_=(MET, "police"))
    assert read["data"]["case"]["rapidReview"]["content"] == expected
    # and DfE, which does not read the rapid review, reads none of it
    read = await api(READ, {"c": review["caseId"]}, as_=("DFE", "dfe"))
    assert read["data"]["case"]["rapidReview"] is None


async def test_the_panel_reads_the_sections_once_submitted_and_they_no_longer_change(api: Api) -> None:
    review = await submitted(api)
    assert codes(await write(api, review, {"livedExperience": "Late."}), "writeRapidReviewContent") == [
        "ALREADY_SUBMITTED"]
    read = await api(READ, {"c": review["caseId"]}, as_=("PANEL", "panel"))
    assert read["data"]["case"]["rapidReview"]["content"] == {k: None for k in CONTENT}


@pytest.mark.rule("rapid-review-content")
async def test_only_the_lead_local_authority_writes_and_a_stale_or_overlong_write_changes_nothing(api: Api) -> None:
    review = await started(api)
    forbidden = await write(api, review, CONTENT, as_=(MET, "police"))
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    stale = await write(api, review, {**CONTENT, "expectedVersion": review["version"] + 5})
    assert codes(stale, "writeRapidReviewContent") == ["VERSION_CONFLICT"]
    long = await write(api, review, {"agenciesAnalysis": "x" * 20_001})
    assert [(e["code"], e["field"]) for e in long["data"]["writeRapidReviewContent"]["errors"]] == [
        ("TOO_LONG", ["input", "agenciesAnalysis"])]
    read = await api(READ, {"c": review["caseId"]}, as_=(CAMDEN, "la"))
    assert read["data"]["case"]["rapidReview"]["content"] == {k: None for k in CONTENT}
