"""``cspr-hub connectors add|list|test|remove|new-key|reseal``: the operators manage agency connectors."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from hub.connector import AuthMethod, ConnectorConfig, ConnectorKind, ConnectorSecrets

connectors_cli = typer.Typer(no_args_is_help=True, help="Connectors to agency systems (REST, FHIR R4).")
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="Overrides CSPR_HUB_DATABASE_URL.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _in_hub(database_url: str | None, work: Any) -> Any:
    from app.cli import _in_hub as run

    return run(database_url, work)


@connectors_cli.command("add")
def add(
    org: Annotated[str, typer.Option("--org", help="The organisation whose system it is (a partner's code).")],
    kind: Annotated[ConnectorKind, typer.Option("--kind", help="rest or fhir.")],
    base_url: Annotated[str, typer.Option("--base-url", help="The system's API (FHIR: the R4 base).")],
    auth: Annotated[AuthMethod, typer.Option("--auth", help="How the hub authenticates.")] = AuthMethod.OAUTH2_CLIENT_CREDENTIALS,
    token_url: Annotated[str | None, typer.Option("--token-url", help="OAuth2: the agency IdP's token endpoint.")] = None,
    client_id: Annotated[str | None, typer.Option("--client-id", help="OAuth2: the hub's client id there.")] = None,
    client_secret: Annotated[str | None, typer.Option(
        "--client-secret", envvar="CSPR_HUB_CONNECTOR_CLIENT_SECRET", show_envvar=True,
        help="OAuth2: the client secret (better from the environment than the command line).")] = None,
    bearer_token: Annotated[str | None, typer.Option(
        "--bearer-token", envvar="CSPR_HUB_CONNECTOR_BEARER_TOKEN", show_envvar=True,
        help="bearer: the token the agency issued.")] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="OAuth2: the scope to ask for.")] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per call.")] = 10.0,
    poll_seconds: Annotated[int, typer.Option("--poll-seconds", help="FHIR: how often open Tasks are read.")] = 300,
    routed_messages: Annotated[bool, typer.Option(
        "--routed-messages", help="REST: push every message routed to the organisation as well.")] = False,
    case_summaries: Annotated[bool, typer.Option(
        "--case-summaries", help="REST: when a rapid review starts, take the system's case summary as the "
        "organisation's first contribution.")] = False,
    name: Annotated[str | None, typer.Option("--name", help="What the system is, for the operators.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Connect an organisation's system; prints the callback URL and its secret and token, shown this once."""
    from connectors.secrets import SealError
    from hub import connector
    from hub.errors import Refused

    config = ConnectorConfig(kind=kind, base_url=base_url, auth=auth, token_url=token_url, client_id=client_id,
                             scope=scope, timeout_seconds=timeout, poll_seconds=poll_seconds,
                             routed_messages=routed_messages, case_summaries=case_summaries)
    secrets = ConnectorSecrets.new(client_secret=client_secret, bearer_token=bearer_token)

    async def work(hub: Any, session: Any) -> tuple[Any, str]:
        made = await connector.add(session, clock=hub.clock, org_code=org, config=config, secrets_=secrets,
                                   seal=hub.sealer().seal, name=name,
                                   allow_private=hub.settings.policy.webhook_allow_private)
        return made, hub.settings.hub_url

    try:
        made, hub_url = _in_hub(database_url, work)
    except Refused as refused:
        raise _fail("; ".join(f"{'.'.join(p.field)}: {p.message}" for p in refused.problems)) from None
    except SealError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"connector_id: {made.id}")
    typer.echo(f"callback_url: {hub_url}/connectors/{made.id}/callback")
    typer.echo(f"callback_secret: {secrets.callback_secret}")
    typer.echo(f"callback_token: {secrets.callback_token}")


@connectors_cli.command("list")
def listed(database_url: DatabaseUrl = None) -> None:
    """List connectors: id, organisation, kind, base URL, auth, active, failures in a row, circuit open until."""
    from hub import connector

    async def work(hub: Any, session: Any) -> Any:
        return await connector.listed(session)

    for row, org in _in_hub(database_url, work):
        config = ConnectorConfig.from_json(row.config)
        circuit = row.circuit_open_until.isoformat() if row.circuit_open_until else "-"
        typer.echo(f"{row.id}\t{org.code}\t{row.kind}\t{config.base_url}\t{config.auth.value}\t"
                   f"{'active' if row.active else 'removed'}\t{row.consecutive_failures}\t{circuit}\t{row.name or ''}")


@connectors_cli.command("test")
def test(connector_id: Annotated[str, typer.Argument(help="The connector_id.")], database_url: DatabaseUrl = None) -> None:
    """Call the system once (REST: GET its base URL; FHIR: /metadata), with its authentication; the attempt is recorded."""
    from connectors.framework import build, guarded, target_of
    from hub import connector, connector_outbox
    from hub.errors import Refused

    async def work(hub: Any, session: Any) -> Any:
        row = await connector.get(session, connector_id)
        adapter, client = build(target_of(row, hub.sealer()), allow_private=hub.settings.policy.webhook_allow_private)
        try:
            outcome = await guarded(adapter.check, timeout=float(row.config.get("timeout_seconds", 10.0)))
        finally:
            await client.aclose()
        await connector_outbox.record_test(session, connector_id=row.id, outcome=outcome, now=hub.clock.now())
        return outcome

    try:
        outcome = _in_hub(database_url, work)
    except Refused as refused:
        raise _fail(refused.problems[0].message) from None
    if not outcome.ok:
        typer.echo(f"failed: {outcome.error} ({outcome.duration_ms} ms)")
        raise typer.Exit(1)
    typer.echo(f"ok: HTTP {outcome.status_code} in {outcome.duration_ms} ms")


@connectors_cli.command("remove")
def remove(connector_id: Annotated[str, typer.Argument(help="The connector_id.")], database_url: DatabaseUrl = None) -> None:
    """Stop calling the system; its open calls close and the organisation answers through the hub."""
    from hub import connector
    from hub.errors import Refused

    async def work(hub: Any, session: Any) -> Any:
        return await connector.remove(session, clock=hub.clock, connector_id=connector_id)

    try:
        _in_hub(database_url, work)
    except Refused as refused:
        raise _fail(refused.problems[0].message) from None
    typer.echo(f"removed {connector_id}")


@connectors_cli.command("new-key")
def new_key() -> None:
    """Print a new key for CSPR_HUB_SECRET_KEY."""
    from connectors.secrets import new_key as make

    typer.echo(make())


@connectors_cli.command("reseal")
def reseal(database_url: DatabaseUrl = None) -> None:
    """Seal every secret at rest again under the first CSPR_HUB_SECRET_KEY (after putting a new key first):
    connectors' secrets, webhook signing secrets and the token issuer's keys, plaintext ones included."""
    from auth import keys
    from hub import connector, webhooks

    async def work(hub: Any, session: Any) -> tuple[int, int, int]:
        sealer = hub.sealer()
        rows = await connector.listed(session)
        for row, _ in rows:
            row.sealed_secrets = sealer.reseal(row.sealed_secrets)
        return len(rows), await webhooks.reseal(session, sealer=sealer), await keys.reseal(session, sealer=sealer)

    made, subscriptions, signing = _in_hub(database_url, work)
    typer.echo(f"resealed {made} connectors, {subscriptions} webhook subscriptions, {signing} signing keys")

