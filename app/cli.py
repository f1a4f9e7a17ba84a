"""The ``cspr-hub`` command."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.audit_cli import audit_cli
from app.connectors_cli import connectors_cli
from app.settings import Settings, SettingsError

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="Child safeguarding practice review hub.")
orgs = typer.Typer(no_args_is_help=True, help="Reference organisations and partnerships.")
schema_cli = typer.Typer(no_args_is_help=True, help="The GraphQL schema.")
clients_cli = typer.Typer(no_args_is_help=True, help="API clients of agency systems (OAuth2 client credentials).")
keys_cli = typer.Typer(no_args_is_help=True, help="The token issuer's signing keys.")
cli.add_typer(orgs, name="orgs")
cli.add_typer(clients_cli, name="clients")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(schema_cli, name="schema")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(connectors_cli, name="connectors")

def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        typer.echo(f"cspr-hub {version('cspr-hub')}")
        raise typer.Exit()


@cli.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Child safeguarding practice review hub."""


DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="Overrides CSPR_HUB_DATABASE_URL.")]


def _settings(database_url: str | None) -> Settings:
    try:
        return Settings.from_env().with_database(database_url)
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    database_url: DatabaseUrl = None,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Run no in-process worker.")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32,
                                         help="API processes sharing the port (each with its own worker).")] = 1,
) -> None:
    """Run the hub: migrate on start, load reference data, serve /graphql."""
    import uvicorn

    from app.main import create_app

    settings = _settings(database_url).serving_on(host, port)
    typer.echo(f"cspr-hub on http://{host}:{port}/graphql (database: {_redacted(settings.database_url)})", err=True)
    from app.observe import configure_logging

    configure_logging(settings.log_format.value)  # CSPR_HUB_LOG_FORMAT=json: uvicorn's lines too, from the first
    log_config = None if settings.log_format.value == "json" else uvicorn.config.LOGGING_CONFIG
    if workers == 1:
        uvicorn.run(create_app(settings, worker=not no_worker), host=host, port=port, log_level="info",
                    proxy_headers=False, log_config=log_config)
        return
    # Migrate and load reference data once, before the processes start: first starts at once would race.
    from app.main import Hub

    async def first_start() -> None:
        hub = Hub.create(settings)
        try:
            await hub.start()
        finally:
            await hub.stop()

    asyncio.run(first_start())
    # Each process builds its own app from the environment: pass on what the options decided.
    os.environ["CSPR_HUB_DATABASE_URL"] = settings.database_url
    os.environ["CSPR_HUB_ISSUER"] = settings.issuer
    os.environ["CSPR_HUB_SERVE_NO_WORKER"] = "true" if no_worker else "false"
    uvicorn.run("app.main:served_app", factory=True, workers=workers, host=host, port=port, log_level="info",
                proxy_headers=False, log_config=log_config,
                timeout_worker_healthcheck=60)  # a process still importing on a busy machine is not hung


@cli.command()
def worker(database_url: DatabaseUrl = None) -> None:
    """Run the outbox worker alone (deliveries); stops cleanly on SIGINT or SIGTERM."""
    import signal

    from app.main import Hub
    from app.observe import configure_logging
    from app.worker import run

    async def main() -> None:
        hub = Hub.create(_settings(database_url))
        configure_logging(hub.settings.log_format.value)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await hub.start(migrate=False)
            typer.echo("cspr-hub worker running", err=True)
            await run(hub, stop)
        finally:
            await hub.stop()

    asyncio.run(main())


@cli.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Apply the database migrations (as the database owner)."""
    import migrations
    from hub.store import create_engine

    async def run() -> str | None:
        engine = create_engine(_settings(database_url).database_url)
        try:
            await migrations.upgrade(engine)
            return await migrations.current(engine)
        finally:
            await engine.dispose()

    typer.echo(f"database at revision {asyncio.run(run())}")


@cli.command()
def token(
    org: Annotated[str, typer.Option("--org", help="Organisation code, e.g. E09000007.")],
    role: Annotated[str, typer.Option("--role", help="la, police, health, panel, ofsted, recipient, agency or dfe.")],
    port: Annotated[int, typer.Option(help="The port `cspr-hub serve` listens on (the token's issuer follows it "
                                            "unless CSPR_HUB_ISSUER is set).")] = 8000,
    database_url: DatabaseUrl = None,
) -> None:
    """Mint an access token from the development issuer; prints it alone on stdout."""
    from app.main import Hub
    from auth.tokens import TokenError, mint
    from hub.store import transaction

    settings = _settings(database_url).serving_on("127.0.0.1", port)
    if not settings.dev_issuer:
        typer.echo("error: the development issuer is off (CSPR_HUB_DEV_ISSUER=false)", err=True)
        raise typer.Exit(2)

    async def run() -> str:
        hub = Hub.create(settings)
        try:
            await hub.start()
            async with transaction(hub.sessions) as session:
                return await mint(session, settings=hub.token_settings, clock=hub.clock, org_code=org, role=role,
                                  sealer=hub.sealer())
        finally:
            await hub.stop()

    try:
        typer.echo(asyncio.run(run()))
    except TokenError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _in_hub(database_url: str | None, work: Any) -> Any:
    """Run ``work(hub, session)`` in one transaction of a started hub."""
    from app.main import Hub
    from hub.store import transaction

    async def run() -> Any:
        hub = Hub.create(_settings(database_url))
        try:
            await hub.start()
            async with transaction(hub.sessions) as session:
                return await work(hub, session)
        finally:
            await hub.stop()

    return asyncio.run(run())


@cli.command()
def demo(database_url: DatabaseUrl = None) -> None:
    """Load invented cases at every stage of the process (development only; refuses a database with real cases)."""
    from app import demo as demo_data
    from app.main import Hub

    settings = _settings(database_url)

    async def run() -> list[demo_data.Made]:
        hub = Hub.create(settings)
        try:
            return await demo_data.load(hub)
        finally:
            await hub.stop()

    try:
        made = asyncio.run(run())
    except (demo_data.DemoRefused, demo_data.DemoFailed) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"made {len(made)} invented cases (every child's name is invented):")
    for case in made:
        typer.echo(f"  {case.reference}\t{case.stage}\n      try: cspr-hub token {case.try_as}")
    typer.echo("Ask, for example, as the Panel: { rapidReviews(filter: {awaitingPanel: true}) { nodes { status "
               "case { reference } } } }, or as Camden (E09000007, la): { cases { nodes { reference status } } }")


@clients_cli.command("create")
def clients_create(
    org: Annotated[str, typer.Option("--org", help="Organisation code, e.g. E09000007.")],
    role: Annotated[str, typer.Option("--role", help="The one role the client acts in.")],
    name: Annotated[str | None, typer.Option("--name", help="What the client is, for the operators.")] = None,
    jwks: Annotated[Path | None, typer.Option("--jwks", help="A JSON Web Key Set of public keys: the client "
                                              "authenticates with private_key_jwt and gets no secret.",
                                              exists=True, dir_okay=False)] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Register a client; prints client_id and client_secret (shown this once)."""
    import json

    from auth import clients

    try:
        keys = json.loads(jwks.read_text("utf-8")) if jwks else None
    except ValueError as exc:
        typer.echo("error: the JWKS file is not JSON", err=True)
        raise typer.Exit(2) from exc

    async def work(hub: Any, session: Any) -> Any:
        return await clients.create(session, org_code=org, role=role, name=name, now=hub.clock.now(), jwks=keys)

    try:
        made = _in_hub(database_url, work)
    except clients.ClientError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"client_id: {made.client_id}")
    if made.client_secret:
        typer.echo(f"client_secret: {made.client_secret}")


@clients_cli.command("list")
def clients_list(database_url: DatabaseUrl = None) -> None:
    """List clients: id, organisation, role, created, revoked."""
    from auth import clients

    async def work(hub: Any, session: Any) -> Any:
        return await clients.listed(session)

    for client, org in _in_hub(database_url, work):
        revoked = client.revoked_at.isoformat() if client.revoked_at else "-"
        typer.echo(f"{client.client_id}\t{org.code}\t{client.role}\t{client.created_at.isoformat()}\t{revoked}\t{client.name or ''}")


@clients_cli.command("revoke")
def clients_revoke(client_id: Annotated[str, typer.Argument(help="The client_id.")], database_url: DatabaseUrl = None) -> None:
    """Revoke a client: its tokens stop working at once."""
    from auth import clients

    async def work(hub: Any, session: Any) -> Any:
        return await clients.revoke(session, client_id=client_id, now=hub.clock.now())

    try:
        _in_hub(database_url, work)
    except clients.ClientError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"revoked {client_id}")


@keys_cli.command("rotate")
def keys_rotate(database_url: DatabaseUrl = None) -> None:
    """Make a new signing key; the old one stays published until its tokens expire."""
    from auth import keys

    async def work(hub: Any, session: Any) -> Any:
        return await keys.rotate(session, now=hub.clock.now(), sealer=hub.sealer())

    typer.echo(f"signing with key {_in_hub(database_url, work).kid}")


@orgs.command("list")
def orgs_list(
    kind: Annotated[str | None, typer.Option("--kind", help="Only this kind, e.g. LOCAL_AUTHORITY, POLICE, HEALTH.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List organisation codes, kinds and names (tab-separated), in code order."""
    from sqlalchemy import select

    from app.main import Hub
    from hub.models import Organisation
    from hub.store import transaction
    from hub.vocabulary import OrganisationKind

    kinds = [k.value for k in OrganisationKind]
    if kind is not None and kind not in kinds:
        typer.echo(f"error: unknown kind {kind!r}; one of {', '.join(kinds)}", err=True)
        raise typer.Exit(2)

    async def run() -> list[Organisation]:
        hub = Hub.create(_settings(database_url))
        try:
            await hub.start()
            query = select(Organisation).order_by(Organisation.code)
            if kind is not None:
                query = query.where(Organisation.kind == kind)  # type: ignore[arg-type]
            async with transaction(hub.sessions) as session:
                return list((await session.execute(query)).scalars().all())
        finally:
            await hub.stop()

    for org in asyncio.run(run()):
        typer.echo(f"{org.code}\t{org.kind}\t{org.name}")


@orgs.command("load")
def orgs_load(
    file: Annotated[Path, typer.Argument(help="A CSV in the hub's layout or an official register lookup.", exists=True, dir_okay=False)],
    database_url: DatabaseUrl = None,
) -> None:
    """Load or refresh organisations and partnerships from a CSV file."""
    from app.main import Hub
    from hub import reference_data
    from hub.store import transaction

    async def run() -> dict[str, int]:
        hub = Hub.create(_settings(database_url))
        try:
            await hub.start()
            data = reference_data.parse_file(file.read_text("utf-8-sig"))
            async with transaction(hub.sessions) as session:
                return await reference_data.load(session, data)
        finally:
            await hub.stop()

    try:
        counts = asyncio.run(run())
    except reference_data.ReferenceDataError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()))


@cli.command()
def rules(tests: Annotated[Path, typer.Option(help="Where the tests are.")] = Path("tests")) -> None:
    """Print each statutory rule: paragraph, rule, and the tests that name it."""
    from hub.statute import all_rules
    from hub.traceability import marked_tests

    named = marked_tests(tests)
    for rule in all_rules():
        typer.echo(f"{rule.basis}\t{rule.id}\t{rule.text}")
        for test in named.get(rule.id, []) or ["(no test names this rule)"]:
            typer.echo(f"\t\t{test}")


@schema_cli.command("print")
def schema_print(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead.")] = None,
    stdout: Annotated[bool, typer.Option("--stdout", hidden=True, help="Print (the default; kept for scripts).")] = False,
) -> None:
    """Print the GraphQL schema (SDL) to standard output, or write it to --output FILE."""
    from resolvers import build_schema

    sdl = build_schema().as_str() + "\n"
    if output is None:
        sys.stdout.write(sdl)
        return
    output.write_text(sdl, "utf-8")
    typer.echo(f"wrote {output}", err=True)


@cli.command()
def backup(
    output: Annotated[Path, typer.Option("--output", help="The file to write (it must not exist).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Back the embedded database up while the hub runs (SQLite's online backup API), to one file."""
    from app.backup import BackupError, backup_sqlite, sqlite_file

    settings = _settings(database_url)
    try:
        made = backup_sqlite(sqlite_file(settings.database_url), output)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"backed up to {made.output} ({made.pages} pages, {made.bytes} bytes, integrity ok)")


def _redacted(url: str) -> str:
    head, sep, tail = url.partition("@")
    if not sep:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"


def main() -> None:
    cli()
