"""``cspr-hub connectors add|list|test|remove`` as an operator runs them, against an invented council's system."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import serving
from tests.stubs.council import CouncilSystem

ROOT = Path(__file__).resolve().parent.parent


async def cspr_hub(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "connectors", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode()


async def test_an_operator_adds_lists_tests_and_removes_a_connector_and_its_secret_is_sealed(tmp_path: Path) -> None:
    council = CouncilSystem()
    database = tmp_path / "cli.db"
    env = {**os.environ, "CSPR_HUB_DATABASE_URL": f"sqlite+aiosqlite:///{database}", "PYTHONPATH": str(ROOT),
           "CSPR_HUB_WEBHOOK_ALLOW_PRIVATE": "true", "CSPR_HUB_CONNECTOR_CLIENT_SECRET": council.client_secret}
    async with serving(council.app()) as base:
        code, added = await cspr_hub("add", "--org", "E09000007", "--kind", "rest", "--base-url", base,
                                     "--token-url", f"{base}/oauth/token", "--client-id", council.client_id,
                                     "--name", "Invented case system", env=env, cwd=tmp_path)
        assert code == 0, added
        lines = dict(line.split(": ", 1) for line in added.splitlines() if ": " in line)
        connector_id = lines["connector_id"]
        assert lines["callback_url"] == f"http://127.0.0.1:8000/connectors/{connector_id}/callback"
        assert lines["callback_secret"].startswith("whsec_") and lines["callback_token"].startswith("cbt_")
        assert "CSPR_HUB_SECRET_KEY is not set" in added  # the operator is told the key is a development one
        code, tested = await cspr_hub("test", connector_id, env=env, cwd=tmp_path)
        assert (code, tested.strip().splitlines()[-1].startswith("ok: HTTP 200")) == (0, True), tested
        assert council.token_requests == 1  # a token from the council's own identity provider
        code, listed = await cspr_hub("list", env=env, cwd=tmp_path)
        assert code == 0 and f"{connector_id}\tE09000007\trest\t{base}\toauth2_client_credentials\tactive" in listed
        code, twice = await cspr_hub("add", "--org", "E09000007", "--kind", "fhir", "--base-url", base,
                                     "--auth", "bearer", env={**env, "CSPR_HUB_CONNECTOR_BEARER_TOKEN": "t"},
                                     cwd=tmp_path)
        assert code == 2 and "org: a fhir connector belongs to HEALTH" in twice
        assert (await cspr_hub("remove", connector_id, env=env, cwd=tmp_path))[0] == 0
        code, after = await cspr_hub("list", env=env, cwd=tmp_path)
        assert "\tremoved\t" in after
    for output in (added, tested, listed, twice, after):
        assert council.client_secret not in output
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("cli.db*"))
    assert council.client_secret.encode() not in stored and lines["callback_secret"].encode() not in stored
