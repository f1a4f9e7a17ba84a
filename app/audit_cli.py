"""``cspr-hub audit verify|checkpoint``: the hash-chained audit trail (DPA 2018 s62), checked and anchored."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.settings import Settings, SettingsError

if TYPE_CHECKING:
    from hub.audit import Keys, Problem

audit_cli = typer.Typer(no_args_is_help=True, help="The hash-chained audit trail (DPA 2018 s62).")
DatabaseUrl = Annotated[str | None, typer.Option("--database-url", help="Overrides CSPR_HUB_DATABASE_URL.")]


def _settings(database_url: str | None) -> Settings:
    from app.cli import _settings as settings

    return settings(database_url)


def _audit_keys(settings: Settings) -> Keys:
    try:
        return settings.audit_keys()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _read_checkpoint(path: Path | None) -> str | None:
    """The checkpoint in the file: its last non-empty line (a witness file holds one a day, newest last)."""
    if path is None:
        return None
    try:
        lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: cannot read the checkpoint {path}: {exc.__class__.__name__}", err=True)
        raise typer.Exit(2) from exc
    return lines[-1] if lines else ""


def _echo_problems(problems: list[Problem], *, err: bool = False) -> None:
    for problem in problems:
        typer.echo(f"entry {problem.seq}: {problem.kind}: {problem.message}", err=err)


@audit_cli.command("verify")
def audit_verify(
    database_url: DatabaseUrl = None,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="A checkpoint from `cspr-hub audit checkpoint` (or a witness file: its last line): also "
                             "fail when entries up to it were deleted, truncated, reordered or rewritten, or when "
                             "it was tampered with.")] = None,
) -> None:
    """Recompute the MAC chain; exit 1 and list each break if an entry was edited, deleted or reordered."""
    from hub import audit
    from hub.store import create_engine, session_factory

    settings = _settings(database_url)
    keys = _audit_keys(settings)
    text = _read_checkpoint(checkpoint)
    try:
        point = None if text is None else audit.Checkpoint.opened(text, keys)
    except audit.CheckpointError as exc:
        typer.echo(f"checkpoint {checkpoint}: {exc}")
        raise typer.Exit(1) from exc

    async def run() -> tuple[int, list[audit.Problem]]:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine, info={audit.KEYS: keys})() as session, session.begin():
                problems = await audit.verify(session)
                problems += await audit.anchored(session, point) if point else []
                return await audit.length(session), problems
        finally:
            await engine.dispose()

    count, problems = asyncio.run(run())
    _echo_problems(problems)
    if problems:
        raise typer.Exit(1)
    anchored = f", the first {point.length} as at the checkpoint of {point.at.isoformat()}" if point else ""
    typer.echo(f"audit chain intact: {count} entries{anchored}")


@audit_cli.command("checkpoint")
def audit_checkpoint(database_url: DatabaseUrl = None) -> None:
    """Verify the chain, then print a checkpoint (length, head, time, MAC) to keep outside the database."""
    from datetime import UTC, datetime

    from hub import audit
    from hub.store import create_engine, session_factory

    settings = _settings(database_url)
    keys = _audit_keys(settings)

    async def run() -> tuple[audit.Checkpoint, list[audit.Problem]]:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine, info={audit.KEYS: keys})() as session, session.begin():
                return await audit.checkpoint(session, at=datetime.now(UTC)), await audit.verify(session)
        finally:
            await engine.dispose()

    point, problems = asyncio.run(run())
    if problems:  # a checkpoint of a broken chain would vouch for the tampering
        _echo_problems(problems, err=True)
        typer.echo("error: the chain is broken; no checkpoint", err=True)
        raise typer.Exit(1)
    typer.echo(point.signed(keys))
