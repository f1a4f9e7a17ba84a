"""Federation 2 entities resolve through the same visibility rules as every other read."""

from __future__ import annotations

from tests.api.test_notification import CAMDEN, ISLINGTON, NOTIFY, serious_incident
from tests.conftest import Api

ENTITIES = """query($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on Case { reference child { firstName } } ... on Organisation { code } } }"""


async def test_a_case_entity_resolves_for_its_partners_and_is_null_for_anyone_else(api: Api) -> None:
    made = await api(NOTIFY, {"input": serious_incident()}, as_=(CAMDEN, "la"))
    case = made["data"]["notifySeriousIncident"]["case"]
    reps = [{"__typename": "Case", "id": case["id"]}]
    mine = await api(ENTITIES, {"reps": reps}, as_=(CAMDEN, "la"))
    assert mine["data"]["_entities"] == [{"reference": case["reference"], "child": {"firstName": "Amara"}}]
    theirs = await api(ENTITIES, {"reps": reps}, as_=(ISLINGTON, "la"))
    assert theirs["data"]["_entities"] == [None]
    ofsted = await api(ENTITIES, {"reps": reps}, as_=("OFSTED", "ofsted"))
    assert ofsted["data"]["_entities"][0]["child"] == {"firstName": None}


async def test_the_sdl_is_public_and_declares_the_entity_keys(api: Api) -> None:
    response = await api.post("{ _service { sdl } }")
    assert response.status_code == 200
    sdl = response.json()["data"]["_service"]["sdl"]
    for entity in ("Case", "Organisation", "SafeguardingPartnership", "RapidReview", "PracticeReview"):
        assert f'type {entity} @key(fields: "id")' in sdl


async def test_entities_need_a_token(api: Api) -> None:
    response = await api.post(ENTITIES, {"reps": [{"__typename": "Organisation", "id": "x"}]})
    assert response.status_code == 401


async def test_a_practice_review_entity_resolves_only_for_those_who_see_its_case(api: Api) -> None:
    from tests.api.reviews import local_review

    review = await local_review(api)
    query = """query($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on PracticeReview { kind publicationDueOn reviewers { name } } } }"""
    reps = [{"__typename": "PracticeReview", "id": review["id"]}]
    mine = await api(query, {"reps": reps}, as_=(CAMDEN, "la"))
    assert mine["data"]["_entities"] == [{"kind": "LOCAL", "publicationDueOn": "2027-06-22",
                                          "reviewers": [{"name": "Dr Imogen Example"}]}]
    assert (await api(query, {"reps": reps}, as_=(ISLINGTON, "la")))["data"]["_entities"] == [None]
