"""Per-client rate limiting: a token bucket per OAuth client (from the verified token), per address without
a token and at /oauth/token; 429 with Retry-After and RATE_LIMITED, and the bucket refills (an injected
clock, no sleeping)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx2
import pytest

from app.main import Hub, create_app
from app.settings import Settings, SettingsError
from hub.rate_limit import RateLimiter
from tests.conftest import Api

CAMDEN, ISLINGTON = "E09000007", "E09000019"
ME = "{ me { role } }"
PUBLIC = "{ addWorkingDays(from: \"2026-12-22\", days: 1) }"


@dataclass
class Seconds:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refuses_until_it_refills() -> None:
    seconds = Seconds()
    limiter = RateLimiter(per_minute=60, burst=3, seconds=seconds)
    assert [limiter.take("a") for _ in range(3)] == [None, None, None]
    assert limiter.take("a") == 1  # one a second: back in a second
    assert limiter.take("b") is None  # another caller has its own bucket
    seconds.now += 0.5
    assert limiter.take("a") == 1
    seconds.now += 0.5
    assert limiter.take("a") is None
    seconds.now += 60
    assert [limiter.take("a") for _ in range(4)] == [None, None, None, 1]  # never more than the burst


def test_a_slow_rate_says_how_long_to_wait() -> None:
    seconds = Seconds()
    limiter = RateLimiter(per_minute=2, burst=1, seconds=seconds)
    assert limiter.take("a") is None
    assert limiter.take("a") == 30
    seconds.now += 20
    assert limiter.take("a") == 10


def test_the_buckets_are_bounded() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, seconds=Seconds(), max_keys=100)
    for n in range(1000):
        limiter.take(f"address:{n}")
    assert len(limiter.buckets) == 100
    assert "address:999" in limiter.buckets and "address:0" not in limiter.buckets


def test_a_rate_of_zero_turns_the_limit_off() -> None:
    limiter = RateLimiter(per_minute=0, burst=1, seconds=Seconds())
    assert all(limiter.take("a") is None for _ in range(100))
    assert limiter.buckets == {}


def test_the_rates_are_settings() -> None:
    settings = Settings.from_env({"CSPR_HUB_RATE_LIMIT_PER_MINUTE": "120", "CSPR_HUB_RATE_LIMIT_BURST": "10",
                                  "CSPR_HUB_PUBLIC_RATE_LIMIT_PER_MINUTE": "30",
                                  "CSPR_HUB_PUBLIC_RATE_LIMIT_BURST": "5"})
    assert (settings.rate_limit_per_minute, settings.rate_limit_burst) == (120, 10)
    assert (settings.public_rate_limit_per_minute, settings.public_rate_limit_burst) == (30, 5)
    with pytest.raises(SettingsError, match="CSPR_HUB_RATE_LIMIT_BURST"):
        Settings.from_env({"CSPR_HUB_RATE_LIMIT_BURST": "0"})
    defaults = Settings()
    assert defaults.rate_limit_per_minute >= 30_000  # the benches' one client at full speed is not throttled


@pytest.fixture
def seconds() -> Seconds:
    return Seconds()


@pytest.fixture
async def limited(hub: Hub, seconds: Seconds) -> AsyncIterator[Api]:
    """The hub with two requests a client (one a second after) and two an address without a token."""
    tight = Hub(replace(hub.settings, rate_limit_per_minute=60, rate_limit_burst=2, public_rate_limit_per_minute=6,
                        public_rate_limit_burst=2), hub.clock, hub.engine, hub.sessions, ready=True,
                list_bounds=hub.list_bounds)
    app = create_app(hub=tight, seconds=seconds)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver") as http:
        yield Api(tight, http)


def rate_limited(response: httpx2.Response) -> int:
    assert response.status_code == 429, response.text
    body: dict[str, Any] = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["RATE_LIMITED"]
    wait = int(response.headers["retry-after"])
    assert body["errors"][0]["extensions"]["retryAfter"] == wait
    return wait


async def test_a_client_over_its_rate_gets_429_with_retry_after_and_then_goes_on(
        limited: Api, seconds: Seconds) -> None:
    camden = (CAMDEN, "la")
    assert [(await limited.post(ME, as_=camden)).status_code for _ in range(2)] == [200, 200]
    assert rate_limited(await limited.post(ME, as_=camden)) == 1
    assert (await limited.post(ME, as_=(ISLINGTON, "la"))).status_code == 200  # its own bucket
    assert (await limited.post(PUBLIC)).status_code == 200  # the address's bucket is another
    seconds.now += 1
    response = await limited.post(ME, as_=camden)
    assert response.status_code == 200
    assert response.json()["data"]["me"]["role"] == "la"
    assert rate_limited(await limited.post(ME, as_=camden)) == 1


async def test_calls_without_a_token_are_limited_per_address(limited: Api, seconds: Seconds) -> None:
    assert [(await limited.post(PUBLIC)).status_code for _ in range(2)] == [200, 200]
    assert rate_limited(await limited.post(PUBLIC)) == 10  # six a minute
    assert rate_limited(await limited.post(ME)) == 10  # refused before it is told a token is needed
    assert (await limited.post(ME, as_=(CAMDEN, "la"))).status_code == 200  # a client is not an address
    other = await limited.http.post("/graphql", json={"query": PUBLIC}, headers={"x-forwarded-for": "10.0.0.9"})
    assert other.status_code == 429  # a header the caller writes does not make another address
    seconds.now += 10
    assert (await limited.post(PUBLIC)).status_code == 200


async def test_tokens_that_do_not_verify_use_the_address_bucket(limited: Api) -> None:
    bad = {"authorization": "Bearer not-a-token"}
    statuses = [(await limited.http.post("/graphql", json={"query": ME}, headers=bad)).status_code
                for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert (await limited.post(PUBLIC)).status_code == 429


async def test_the_token_endpoint_is_limited_per_address(limited: Api, seconds: Seconds) -> None:
    form = {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "wrong"}
    statuses = [(await limited.http.post("/oauth/token", data=form)).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    response = await limited.http.post("/oauth/token", data=form)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "10"
    assert response.json()["code"] == "RATE_LIMITED"
    seconds.now += 10
    assert (await limited.http.post("/oauth/token", data=form)).status_code == 401
