"""Connector rules without HTTP: who may own one, the retry schedule, the circuit breaker, sealed secrets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from app.main import Hub
from app.settings import Environment, Settings, SettingsError
from connectors.secrets import Sealer, SealError, new_key
from hub import connector, connector_outbox
from hub.connector import AuthMethod, ConnectorConfig, ConnectorKind, ConnectorSecrets
from hub.errors import Refused
from hub.models import Connector
from hub.store import transaction

NOW = datetime(2026, 12, 22, 11, 0, tzinfo=UTC)
CAMDEN, MET, NCL_ICB, OFSTED = "E09000007", "E23000001", "E54000028", "OFSTED"


def rest(base: str = "https://council.example.org/api") -> ConnectorConfig:
    return ConnectorConfig(kind=ConnectorKind.REST, base_url=base, auth=AuthMethod.BEARER)


async def refused_codes(hub: Hub, org: str, config: ConnectorConfig, secrets: ConnectorSecrets) -> list[str]:
    try:
        async with transaction(hub.sessions) as session:
            await connector.add(session, clock=hub.clock, org_code=org, config=config, secrets_=secrets,
                                seal=hub.sealer().seal)
    except Refused as refused:
        return [p.code for p in refused.problems]
    return []


@pytest.mark.rule("connector-owner")
async def test_a_connector_belongs_to_one_partner_and_fhir_to_health(hub: Hub) -> None:
    token = ConnectorSecrets.new(bearer_token="invented-token")
    assert await refused_codes(hub, MET, rest(), token) == []  # police are asked too (para 24)
    assert await refused_codes(hub, MET, rest(), token) == ["ALREADY_CONNECTED"]
    assert await refused_codes(hub, OFSTED, rest(), token) == ["NOT_AN_OWNER"]  # Ofsted is never asked
    fhir = ConnectorConfig(kind=ConnectorKind.FHIR, base_url="https://fhir.icb.example.org/R4", auth=AuthMethod.BEARER)
    assert await refused_codes(hub, CAMDEN, fhir, token) == ["NOT_AN_OWNER"]
    assert await refused_codes(hub, NCL_ICB, fhir, token) == []
    assert await refused_codes(hub, "NOPE", rest(), token) == ["UNKNOWN_ORGANISATION"]
    plain = ConnectorConfig(kind=ConnectorKind.REST, base_url="http://council.example.org", auth=AuthMethod.NONE)
    oauth = ConnectorConfig(kind=ConnectorKind.REST, base_url="https://council.example.org",
                            auth=AuthMethod.OAUTH2_CLIENT_CREDENTIALS, token_url="https://idp.example.org/token")
    assert sorted(await refused_codes(hub, CAMDEN, plain, token)) == ["AUTH_REQUIRED", "INVALID_URL"]
    assert await refused_codes(hub, CAMDEN, oauth, ConnectorSecrets.new()) == ["REQUIRED"]
    keyed = rest("https://council.example.org/api?api_key=invented")  # would show in baseUrl and `connectors list`
    assert await refused_codes(hub, CAMDEN, keyed, token) == ["INVALID_URL"]
    messages_to_fhir = ConnectorConfig(kind=ConnectorKind.FHIR, base_url="https://fhir.icb.example.org/R4",
                                       auth=AuthMethod.BEARER, routed_messages=True)
    assert await refused_codes(hub, "E54000031", messages_to_fhir, token) == ["NOT_SUPPORTED"]
    summaries_from_fhir = ConnectorConfig(kind=ConnectorKind.FHIR, base_url="https://fhir.icb.example.org/R4",
                                          auth=AuthMethod.BEARER, case_summaries=True)
    assert await refused_codes(hub, "E54000031", summaries_from_fhir, token) == ["NOT_SUPPORTED"]


@pytest.mark.parametrize("base", ["https://2130706433/api", "https://0177.0.0.1/api", "https://127.1/api",
                                  "https://0x7f.0.0.1/api", "https://127.0.0.1./api", "https://[::ffff:127.0.0.1]/api",
                                  "https://\u2460\u2461\u2466.0.0.1/api", "https://169.254.169.254/api",
                                  "https://10.0.0.7/api", "https://localhost./api"])
async def test_a_connector_to_a_private_host_in_any_notation_is_refused_when_added(hub: Hub, base: str) -> None:
    assert await refused_codes(hub, CAMDEN, rest(base), ConnectorSecrets.new(bearer_token="invented-token")) == [
        "PRIVATE_ADDRESS"]


async def test_a_connector_keeps_its_addresses_in_one_form(hub: Hub) -> None:
    config = ConnectorConfig(kind=ConnectorKind.REST, base_url="https://Council.B\u00fccher.Example./api",
                             auth=AuthMethod.OAUTH2_CLIENT_CREDENTIALS, client_id="hub",
                             token_url="https://IDP.example.org.:8443/token")
    async with transaction(hub.sessions) as session:
        made = await connector.add(session, clock=hub.clock, org_code=CAMDEN, config=config, seal=hub.sealer().seal,
                                   secrets_=ConnectorSecrets.new(client_secret="invented-secret"))
    stored = ConnectorConfig.from_json(made.config)
    assert (stored.base_url, stored.token_url) == ("https://council.xn--bcher-kva.example/api",
                                                   "https://idp.example.org:8443/token")
    with pytest.raises(Refused) as refused:  # the token endpoint is checked too
        async with transaction(hub.sessions) as session:
            await connector.add(session, clock=hub.clock, org_code=MET, seal=hub.sealer().seal,
                                config=ConnectorConfig(kind=ConnectorKind.REST, base_url="https://police.example.org",
                                                       auth=AuthMethod.OAUTH2_CLIENT_CREDENTIALS, client_id="hub",
                                                       token_url="https://0x7f000001/token"),
                                secrets_=ConnectorSecrets.new(client_secret="invented-secret"))
    assert [(p.code, p.field) for p in refused.value.problems] == [("PRIVATE_ADDRESS", ("tokenUrl",))]


@pytest.mark.rule("connector-retry")
def test_a_failed_call_is_retried_with_backoff_honouring_retry_after_until_the_schedule_is_spent() -> None:
    waits = [connector_outbox.next_attempt(n, NOW) for n in range(1, 10)]
    assert [w - NOW for w in waits if w] == [timedelta(seconds=10), timedelta(minutes=1), timedelta(minutes=5),
                                              timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6),
                                              timedelta(hours=12), timedelta(hours=24)]
    assert waits[-1] is None
    assert connector_outbox.next_attempt(1, NOW, retry_after=timedelta(minutes=2)) == NOW + timedelta(minutes=2)
    assert connector_outbox.next_attempt(1, NOW, retry_after=timedelta(days=9)) == NOW + timedelta(hours=24)


@pytest.mark.rule("connector-circuit-breaker")
def test_five_failures_in_a_row_open_the_circuit_longer_each_time_and_one_success_closes_it() -> None:
    row = Connector(organisation_id="o", kind="rest", config={}, sealed_secrets="x", created_at=NOW)
    for _ in range(4):
        connector_outbox.trip(row, ok=False, now=NOW)
    assert row.circuit_open_until is None
    opened = []
    for _ in range(8):
        connector_outbox.trip(row, ok=False, now=NOW)
        assert row.circuit_open_until is not None
        opened.append(row.circuit_open_until - NOW)
    assert opened[:3] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert opened[-1] == timedelta(minutes=30)
    connector_outbox.trip(row, ok=True, now=NOW)
    assert (row.consecutive_failures, row.circuit_open_until) == (0, None)


def test_secrets_are_sealed_opened_only_with_the_key_and_never_shown_by_repr() -> None:
    made = ConnectorSecrets.new(client_secret="invented-client-secret")
    old_key, next_key = new_key(), new_key()
    sealed = Sealer([old_key]).seal(made.to_json())
    assert "invented-client-secret" not in sealed and "invented-client-secret" not in repr(made)
    assert ConnectorSecrets.from_json(Sealer([old_key]).open(sealed)) == made
    with pytest.raises(SealError):
        Sealer([next_key]).open(sealed)
    resealed = Sealer([next_key, old_key]).reseal(sealed)  # rotation: the new key first, the old one still opens
    assert ConnectorSecrets.from_json(Sealer([next_key]).open(resealed)) == made


def test_production_needs_a_secret_key_and_development_derives_one() -> None:
    with pytest.raises(SettingsError, match="CSPR_HUB_SECRET_KEY is required in production"):
        Settings.from_env({"CSPR_HUB_ENV": "production"})  # it does not start (issue 13)
    with pytest.raises(SettingsError, match="CSPR_HUB_SECRET_KEY is required in production"):
        Settings(environment=Environment.PRODUCTION).sealing_keys()
    key = new_key()
    assert Settings.from_env({"CSPR_HUB_ENV": "production", "CSPR_HUB_SECRET_KEY": key}).sealing_keys() == (key,)
    with pytest.raises(SettingsError, match="CSPR_HUB_SECRET_KEY"):
        Settings.from_env({"CSPR_HUB_SECRET_KEY": "not-a-key"})
    one, two = Settings(database_url="sqlite:///a.db"), Settings(database_url="sqlite:///a.db")
    assert one.sealing_keys() == two.sealing_keys() != Settings(database_url="sqlite:///b.db").sealing_keys()


@pytest.mark.rule("connector-http-status")
def test_an_agency_systems_status_is_judged_in_the_core() -> None:
    judge = connector_outbox.judge_status
    assert all(judge(code).ok for code in (200, 201, 202, 204, 409))  # 409: it has the request already
    assert all(not judge(code).ok and judge(code).retry for code in (401, 408, 429, 500, 502, 503))
    assert all(not judge(code).ok and not judge(code).retry for code in (301, 400, 403, 404, 410, 415, 422))


def test_secret_keys_are_not_in_the_settings_repr_and_the_development_key_is_warned_of_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = new_key()
    assert key not in repr(Settings.from_env({"CSPR_HUB_SECRET_KEY": key}))
    caplog.set_level(logging.WARNING, logger="cspr_hub.settings")
    development = Settings(database_url="sqlite:///warned-once.db")
    assert development.sealing_keys() == development.sealing_keys()
    warned = [r for r in caplog.records if "CSPR_HUB_SECRET_KEY is not set" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING
    assert development.sealing_keys()[0] not in caplog.text
