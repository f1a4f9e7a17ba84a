"""Settings from the environment, failing loudly on a bad value (starlette/config.py style)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TypeVar

from auth.issuers import SettingsProblem, TrustedIssuer
from auth.issuers import parse as parse_issuers
from auth.oidc import Provider, ProviderSettingsProblem
from auth.oidc import parse as parse_providers
from hub import audit
from hub.policy import Policy, RapidReviewClock
from hub.sealing import SealError, check_key, development_key
from hub.store import DEFAULT_URL, normalise_url
from hub.untrusted_json import MAX_DEPTH
from hub.webhooks import check_url, secret_key
from resolvers.cost import DEFAULT_MAX_COST, DEFAULT_MAX_PUBLIC_COST

logger = logging.getLogger("cspr_hub.settings")
NO_KEY_IN_PRODUCTION = (
    "CSPR_HUB_SECRET_KEY is required in production: it seals the connector and webhook secrets and the token "
    "issuer's private keys at rest. Make one with `cspr-hub connectors new-key` (or `python -c \"from "
    "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\"`), keep it outside the "
    "database, and set it in the environment of every hub process")
_WARNED: set[str] = set()  # the development key is warned of once per database, per process


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def is_url(witness: str) -> bool:
    """Whether the audit witness is a webhook (``https://...``) rather than a file."""
    return witness.lower().startswith(("https://", "http://"))


def _witness(env: Mapping[str, str], *, allow_private: bool) -> tuple[str | None, str | None]:
    """CSPR_HUB_AUDIT_WITNESS and, for a URL, the ``whsec_`` secret its posts are signed with."""
    witness = env.get("CSPR_HUB_AUDIT_WITNESS") or None
    secret = env.get("CSPR_HUB_AUDIT_WITNESS_SECRET") or None
    if witness is None or not is_url(witness):
        return witness, None
    problems = check_url(witness, allow_private=allow_private)
    if problems:
        raise SettingsError(f"CSPR_HUB_AUDIT_WITNESS: {problems[0].message} (https on a public host; http and "
                            "private hosts only with CSPR_HUB_WEBHOOK_ALLOW_PRIVATE=true)")
    try:
        if secret is None or not secret.startswith("whsec_") or len(secret_key(secret)) < 24:
            raise ValueError
    except ValueError:
        raise SettingsError("CSPR_HUB_AUDIT_WITNESS is a URL: set CSPR_HUB_AUDIT_WITNESS_SECRET to the witness's "
                            "signing secret, whsec_ and at least 24 bytes in base64 (the witness verifies each post "
                            "as Standard Webhooks)") from None
    return witness, secret


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}")
    return value


E = TypeVar("E", bound=Enum)


class LogFormat(str, Enum):
    """text: Python's and uvicorn's usual lines; json: one JSON object a line (app/observe.py)."""

    TEXT = "text"
    JSON = "json"


class Environment(str, Enum):
    """development: dev token issuer, GraphiQL and introspection on; production: all off unless set."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _choice(env: Mapping[str, str], name: str, kind: type[E], default: E) -> E:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return kind(raw.lower())
    except ValueError as exc:
        raise SettingsError(f"{name} must be one of {[k.value for k in kind]}, not {raw!r}") from exc


def _secret_keys(raw: str | None) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in (raw or "").split(",") if k.strip())
    for key in keys:
        try:
            check_key(key)
        except SealError as exc:
            raise SettingsError(f"CSPR_HUB_SECRET_KEY: {exc}") from exc
    return keys


def _issuers(raw: str | None) -> tuple[TrustedIssuer, ...]:
    try:
        return parse_issuers(raw)
    except SettingsProblem as exc:
        raise SettingsError(str(exc)) from exc


def _providers(raw: str | None) -> tuple[Provider, ...]:
    try:
        return parse_providers(raw)
    except ProviderSettingsProblem as exc:
        raise SettingsError(str(exc)) from exc


def _metrics_token(raw: str | None) -> str | None:
    token = (raw or "").strip()
    if token and len(token) < 16:
        raise SettingsError("CSPR_HUB_METRICS_TOKEN must be at least 16 characters")
    return token or None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    issuer: str = "http://127.0.0.1:8000"
    audience: str = "cspr-hub"
    token_ttl_seconds: int = 3600
    dev_issuer: bool = True
    graphiql: bool = True
    introspection: bool = True
    max_body_bytes: int = 1_000_000
    max_json_depth: int = MAX_DEPTH  # arrays and objects inside one another in a request body
    delivery_lease_seconds: int = 60  # a worker that dies holding deliveries frees them after this
    policy: Policy = field(default_factory=Policy)
    trusted_issuers: tuple[TrustedIssuer, ...] = ()
    console_oidc: tuple[Provider, ...] = ()  # CSPR_HUB_CONSOLE_OIDC: identity providers people sign in to the console with
    trusted_documents: str | None = None  # path of the JSON file of registered GraphQL documents
    environment: Environment = Environment.DEVELOPMENT
    secret_keys: tuple[str, ...] = field(default=(), repr=False)  # CSPR_HUB_SECRET_KEY: Fernet keys, first seals
    public_url: str | None = None  # CSPR_HUB_PUBLIC_URL: where agency systems reach the hub (callbacks)
    public_sdl: bool = True  # CSPR_HUB_PUBLIC_SDL: `_service { sdl }` without a token (off by default in production)
    metrics_token: str | None = field(default=None, repr=False)  # CSPR_HUB_METRICS_TOKEN: bearer token for /metrics
    log_format: LogFormat = LogFormat.TEXT  # CSPR_HUB_LOG_FORMAT: text or json
    audit_witness: str | None = None  # CSPR_HUB_AUDIT_WITNESS: a file, or a URL, the worker sends a checkpoint to daily
    audit_witness_secret: str | None = field(default=None, repr=False)  # CSPR_HUB_AUDIT_WITNESS_SECRET: signs posts
    max_query_cost: int = DEFAULT_MAX_COST  # CSPR_HUB_MAX_QUERY_COST: objects one document may ask for (token)
    max_public_query_cost: int = DEFAULT_MAX_PUBLIC_COST  # CSPR_HUB_MAX_PUBLIC_QUERY_COST: the same, no token
    rate_limit_per_minute: int = 36_000  # CSPR_HUB_RATE_LIMIT_PER_MINUTE: requests per OAuth client (0: off)
    rate_limit_burst: int = 2_000  # CSPR_HUB_RATE_LIMIT_BURST: requests a client may make at once
    public_rate_limit_per_minute: int = 6_000  # CSPR_HUB_PUBLIC_RATE_LIMIT_PER_MINUTE: per address, no token
    public_rate_limit_burst: int = 1_000  # CSPR_HUB_PUBLIC_RATE_LIMIT_BURST

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        environment = _choice(env, "CSPR_HUB_ENV", Environment, Environment.DEVELOPMENT)
        development = environment is Environment.DEVELOPMENT
        secret_keys = _secret_keys(env.get("CSPR_HUB_SECRET_KEY"))
        if not secret_keys and not development:
            raise SettingsError(NO_KEY_IN_PRODUCTION)
        allow_private = _flag(env, "CSPR_HUB_WEBHOOK_ALLOW_PRIVATE", False)
        witness, witness_secret = _witness(env, allow_private=allow_private)
        return cls(
            database_url=normalise_url(env.get("CSPR_HUB_DATABASE_URL") or DEFAULT_URL),
            issuer=env.get("CSPR_HUB_ISSUER") or cls.issuer,
            audience=env.get("CSPR_HUB_AUDIENCE") or cls.audience,
            token_ttl_seconds=_int(env, "CSPR_HUB_TOKEN_TTL_SECONDS", 3600, 60, 3600),
            dev_issuer=_flag(env, "CSPR_HUB_DEV_ISSUER", development),
            graphiql=_flag(env, "CSPR_HUB_GRAPHIQL", development),
            introspection=_flag(env, "CSPR_HUB_INTROSPECTION", development),
            max_body_bytes=_int(env, "CSPR_HUB_MAX_BODY_BYTES", 1_000_000, 1_000, 50_000_000),
            max_json_depth=_int(env, "CSPR_HUB_MAX_JSON_DEPTH", MAX_DEPTH, 8, 500),
            delivery_lease_seconds=_int(env, "CSPR_HUB_DELIVERY_LEASE_SECONDS", 60, 1, 3600),
            trusted_issuers=_issuers(env.get("CSPR_HUB_TRUSTED_ISSUERS")),
            console_oidc=_providers(env.get("CSPR_HUB_CONSOLE_OIDC")),
            trusted_documents=env.get("CSPR_HUB_TRUSTED_DOCUMENTS") or None,
            environment=environment,
            secret_keys=secret_keys,
            public_url=(env.get("CSPR_HUB_PUBLIC_URL") or "").rstrip("/") or None,
            public_sdl=_flag(env, "CSPR_HUB_PUBLIC_SDL", development),
            metrics_token=_metrics_token(env.get("CSPR_HUB_METRICS_TOKEN")),
            log_format=_choice(env, "CSPR_HUB_LOG_FORMAT", LogFormat, LogFormat.TEXT),
            audit_witness=witness,
            audit_witness_secret=witness_secret,
            max_query_cost=_int(env, "CSPR_HUB_MAX_QUERY_COST", DEFAULT_MAX_COST, 10, 10_000_000),
            max_public_query_cost=_int(env, "CSPR_HUB_MAX_PUBLIC_QUERY_COST", DEFAULT_MAX_PUBLIC_COST, 10, 10_000_000),
            rate_limit_per_minute=_int(env, "CSPR_HUB_RATE_LIMIT_PER_MINUTE", cls.rate_limit_per_minute, 0, 10_000_000),
            rate_limit_burst=_int(env, "CSPR_HUB_RATE_LIMIT_BURST", cls.rate_limit_burst, 1, 10_000_000),
            public_rate_limit_per_minute=_int(env, "CSPR_HUB_PUBLIC_RATE_LIMIT_PER_MINUTE",
                                              cls.public_rate_limit_per_minute, 0, 10_000_000),
            public_rate_limit_burst=_int(env, "CSPR_HUB_PUBLIC_RATE_LIMIT_BURST", cls.public_rate_limit_burst, 1,
                                         10_000_000),
            policy=Policy(
                rapid_review_counts_from=_choice(
                    env, "CSPR_HUB_RAPID_REVIEW_COUNTS_FROM", RapidReviewClock, RapidReviewClock.NOTIFICATION),
                webhook_allow_private=allow_private),
        )

    def sealing_keys(self) -> tuple[str, ...]:
        """The keys that seal secrets at rest: required in production, derived in development."""
        if self.secret_keys:
            return self.secret_keys
        if self.environment is Environment.PRODUCTION:
            raise SettingsError(NO_KEY_IN_PRODUCTION)
        if self.database_url not in _WARNED:
            _WARNED.add(self.database_url)
            logger.warning("CSPR_HUB_SECRET_KEY is not set: secrets at rest are sealed with a development key "
                           "derived from the database URL, which anyone who knows the URL can derive; set "
                           "CSPR_HUB_SECRET_KEY (`cspr-hub connectors new-key`) before connecting a real system")
        return (development_key(self.database_url),)

    def audit_keys(self) -> audit.Keys:
        """The audit trail's MAC keys, derived from the sealing keys under labels of their own (never stored)."""
        return audit.Keys.derive(self.sealing_keys())

    def session_info(self) -> dict[str, object]:
        """What every session carries: the audit keys (none in production without CSPR_HUB_SECRET_KEY, and then
        nothing audited can be written)."""
        try:
            return {audit.KEYS: self.audit_keys()}
        except SettingsError:
            return {}

    @property
    def suggestions(self) -> bool:
        """Suggestions ("Did you mean ...") in error messages: only in development, where the schema may be read."""
        return self.environment is Environment.DEVELOPMENT and self.introspection

    @property
    def hub_url(self) -> str:
        """Where agency systems reach the hub: CSPR_HUB_PUBLIC_URL, else the issuer."""
        return self.public_url or self.issuer.rstrip("/")

    def serving_on(self, host: str, port: int, env: Mapping[str, str] | None = None) -> Settings:
        """These settings for a hub listening on ``host:port``: unless CSPR_HUB_ISSUER is set, the issuer (and so
        the public URL, unless CSPR_HUB_PUBLIC_URL is set) names that address, so the OAuth metadata, the tokens'
        ``iss`` and the callback addresses point where the hub really is."""
        env = os.environ if env is None else env
        if env.get("CSPR_HUB_ISSUER"):
            return self
        shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        return replace(self, issuer=f"http://{shown}:{port}")

    def with_database(self, url: str | None) -> Settings:
        return self if not url else replace(self, database_url=normalise_url(url))
