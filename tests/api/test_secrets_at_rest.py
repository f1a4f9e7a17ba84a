"""Keys and secrets sealed at rest under CSPR_HUB_SECRET_KEY: webhook signing secrets and the token issuer's
private keys; rows written before sealing keep working and are sealed (lazily, or by the reseal command);
production does not start without the key."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from joserfc import jws
from joserfc.jwk import RSAKey
from sqlalchemy import delete, select, update
from standardwebhooks.webhooks import Webhook

from app.main import Hub, create_app
from app.settings import Settings, SettingsError
from auth import keys
from hub import webhooks
from hub.clock import FixedClock
from hub.models import SigningKey, WebhookSubscription
from hub.sealing import Sealer, new_key
from hub.store import transaction
from tests.api.test_notification import CAMDEN, NOTIFY
from tests.api.test_oauth import me
from tests.api.test_webhooks import Receiver, deliver_once, incident_today, real_time, receiver, subscribe
from tests.conftest import Api

__all__ = ["real_time", "receiver"]  # fixtures used here


async def stored_subscription(hub: Hub, subscription_id: str) -> WebhookSubscription:
    async with hub.sessions() as session:
        found = await session.get(WebhookSubscription, subscription_id)
    assert found is not None
    return found


async def test_a_webhook_secret_is_stored_sealed_and_still_signs(
    api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock
) -> None:
    subscription_id, secret = await subscribe(api, ("PANEL", "panel"), receiver.url)
    row = await stored_subscription(hub, subscription_id)
    assert secret not in row.secret and not row.secret.startswith("whsec_")
    assert hub.sealer().open(row.secret) == secret
    await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
    assert await deliver_once(hub) == 1
    headers, body = receiver.received[0]
    Webhook(secret).verify(body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})


async def test_a_rotated_webhook_secret_keeps_both_sealed(api: Api, hub: Hub, receiver: Receiver) -> None:
    subscription_id, first = await subscribe(api, ("PANEL", "panel"), receiver.url)
    rotated = await api("mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret errors { code } } }",
                        {"id": subscription_id}, as_=("PANEL", "panel"))
    second = rotated["data"]["rotateWebhookSecret"]["secret"]
    row = await stored_subscription(hub, subscription_id)
    assert row.previous_secret is not None and first not in row.previous_secret and second not in row.secret
    assert (hub.sealer().open(row.secret), hub.sealer().open(row.previous_secret)) == (second, first)


async def test_a_webhook_secret_stored_plain_before_sealing_still_signs_and_the_reseal_seals_it(
    api: Api, hub: Hub, receiver: Receiver, real_time: FixedClock
) -> None:
    subscription_id, secret = await subscribe(api, ("PANEL", "panel"), receiver.url)
    async with transaction(hub.sessions) as session:  # as a row written before this release looks
        await session.execute(update(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
                              .values(secret=secret))
    await api(NOTIFY, {"input": incident_today(real_time)}, as_=(CAMDEN, "la"))
    assert await deliver_once(hub) == 1
    headers, body = receiver.received[0]
    Webhook(secret).verify(body, {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")})
    async with transaction(hub.sessions) as session:
        assert await webhooks.reseal(session, sealer=hub.sealer()) == 1
    row = await stored_subscription(hub, subscription_id)
    assert secret not in row.secret and hub.sealer().open(row.secret) == secret


async def test_the_issuers_private_key_is_stored_sealed(hub: Hub, clock: FixedClock) -> None:
    async with transaction(hub.sessions) as session:
        key = await keys.active_key(session, now=clock.now(), sealer=hub.sealer())
        rows = (await session.execute(select(SigningKey))).scalars().all()
    private = key.as_dict(private=True)["d"]
    assert rows and all(private not in r.private_jwk and not r.private_jwk.startswith("{") for r in rows)
    assert all('"d"' not in r.private_jwk for r in rows)


async def test_a_signing_key_stored_plain_before_sealing_still_signs_and_is_sealed_on_first_use(
    api: Api, hub: Hub, clock: FixedClock
) -> None:
    plain = RSAKey.generate_key(2048, parameters={"kid": "plain-before-sealing", "use": "sig", "alg": "RS256"})
    async with transaction(hub.sessions) as session:
        session.add(SigningKey(kid="plain-before-sealing", private_jwk=json.dumps(plain.as_dict(private=True)),
                               created_at=datetime(2099, 1, 1, tzinfo=UTC)))
    try:
        token = await api.token(CAMDEN, "la")  # signed with the newest key: the plain one, sealed as it is used
        assert jws.extract_compact(token.encode()).headers()["kid"] == "plain-before-sealing"
        assert (await me(api, token)).status_code == 200
        async with hub.sessions() as session:
            row = await session.get(SigningKey, "plain-before-sealing")
        assert row is not None and not row.private_jwk.startswith("{")
        assert json.loads(hub.sealer().open(row.private_jwk))["d"] == plain.as_dict(private=True)["d"]
    finally:
        async with transaction(hub.sessions) as session:
            await session.execute(delete(SigningKey).where(SigningKey.kid == "plain-before-sealing"))


async def test_the_reseal_seals_plain_signing_keys_under_the_new_first_key(hub: Hub) -> None:
    plain = RSAKey.generate_key(2048, parameters={"kid": "plain-for-reseal", "use": "sig", "alg": "RS256"})
    async with transaction(hub.sessions) as session:
        session.add(SigningKey(kid="plain-for-reseal", private_jwk=json.dumps(plain.as_dict(private=True)),
                               created_at=datetime(2000, 1, 1, tzinfo=UTC), retired_at=datetime(2000, 1, 2, tzinfo=UTC)))
    added = new_key()
    rotated = Sealer([added, *hub.settings.sealing_keys()])
    try:
        async with transaction(hub.sessions) as session:
            assert await keys.reseal(session, sealer=rotated) >= 2
            rows = (await session.execute(select(SigningKey))).scalars().all()
        assert all(json.loads(rotated.open(r.private_jwk))["kty"] == "RSA" for r in rows)
        assert all(not r.private_jwk.startswith("{") for r in rows)
    finally:
        async with transaction(hub.sessions) as session:
            await keys.reseal(session, sealer=Sealer([*hub.settings.sealing_keys(), added]))  # back under the tests' key
            await session.execute(delete(SigningKey).where(SigningKey.kid == "plain-for-reseal"))


def test_production_refuses_to_start_without_a_secret_key_and_says_how_to_make_one() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"CSPR_HUB_ENV": "production"})
    assert "CSPR_HUB_SECRET_KEY" in str(refused.value) and "cspr-hub connectors new-key" in str(refused.value)
    assert Settings.from_env({"CSPR_HUB_ENV": "production", "CSPR_HUB_SECRET_KEY": new_key()}).secret_keys


async def test_a_production_hub_without_a_secret_key_is_not_served(hub: Hub) -> None:
    settings = Settings(database_url=hub.settings.database_url, environment=Settings.from_env(
        {"CSPR_HUB_ENV": "production", "CSPR_HUB_SECRET_KEY": new_key()}).environment)
    with pytest.raises(SettingsError, match="cspr-hub connectors new-key"):
        create_app(hub=Hub(settings, hub.clock, hub.engine, hub.sessions, ready=True))
