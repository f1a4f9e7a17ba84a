"""The cspr-hub command as an operator uses it: a real server process on loopback."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

import migrations
from hub.statute import all_rules

ROOT = Path(__file__).resolve().parent.parent


def cspr_hub(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], check=False, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CSPR_HUB_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
            "PYTHONPATH": str(ROOT)}


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    with serving(env, tmp_path) as (base, _):
        yield base


@contextlib.contextmanager
def serving(env: dict[str, str], tmp_path: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`cspr-hub serve` on a free port, ready; stopped afterwards."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), *options],
                               env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx2.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            assert process.poll() is None, process.stdout.read().decode() if process.stdout else ""
            time.sleep(0.2)
        else:
            pytest.fail("the server did not become ready within 60 s")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_with_two_workers_runs_two_api_processes_on_one_port(env: dict[str, str], tmp_path: Path) -> None:
    with serving(env, tmp_path, "--workers", "2") as (base, process):
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        port = base.rsplit(":", 1)[1]
        minted = cspr_hub("token", "--org", "E09000007", "--role", "la", "--port", port, env=env, cwd=tmp_path)
        assert minted.returncode == 0, minted.stderr
        auth = {"authorization": f"Bearer {minted.stdout.strip()}"}
        # a new connection each time: either process may take it
        answers = [httpx2.post(f"{base}/graphql", json={"query": "{ me { organisation { code } } }"},
                               headers=auth, timeout=10).json() for _ in range(6)]
    assert len(children) >= 2
    assert answers == [{"data": {"me": {"organisation": {"code": "E09000007"}}}}] * 6


def test_serve_migrates_loads_reference_data_and_answers_a_minted_token(
    server: str, env: dict[str, str], tmp_path: Path
) -> None:
    port = server.rsplit(":", 1)[1]
    minted = cspr_hub("token", "--org", "E09000007", "--role", "la", "--port", port, env=env, cwd=tmp_path)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    assert token.count(".") == 2 and "\n" not in token
    response = httpx2.post(f"{server}/graphql", json={"query": "{ me { role organisation { code } } }"},
                           headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert response.json() == {"data": {"me": {"role": "la", "organisation": {"code": "E09000007"}}}}
    page = httpx2.get(f"{server}/graphql", headers={"accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    home = httpx2.get(f"{server}/", timeout=10)
    assert home.status_code == 200 and 'href="/graphql"' in home.text


def test_serve_on_another_port_names_that_port_as_issuer_and_public_url(
    server: str, env: dict[str, str], tmp_path: Path
) -> None:
    found = httpx2.get(f"{server}/.well-known/oauth-authorization-server", timeout=10).json()
    assert (found["issuer"], found["token_endpoint"], found["jwks_uri"]) == (
        server, f"{server}/oauth/token", f"{server}/.well-known/jwks.json")
    # a token minted for the default port names another issuer, and this hub does not take it
    stale = cspr_hub("token", "--org", "E09000007", "--role", "la", env=env, cwd=tmp_path).stdout.strip()
    refused = httpx2.post(f"{server}/graphql", json={"query": "{ me { role } }"},
                          headers={"authorization": f"Bearer {stale}"}, timeout=10)
    assert refused.status_code == 401


def test_an_issuer_or_public_url_set_explicitly_stays_whatever_the_port() -> None:
    from app.settings import Settings

    followed = Settings.from_env({}).serving_on("127.0.0.1", 8123, env={})
    assert (followed.issuer, followed.hub_url) == ("http://127.0.0.1:8123", "http://127.0.0.1:8123")
    assert Settings.from_env({}).serving_on("0.0.0.0", 8124, env={}).issuer == "http://127.0.0.1:8124"
    explicit = {"CSPR_HUB_ISSUER": "https://hub.example", "CSPR_HUB_PUBLIC_URL": "https://api.example"}
    kept = Settings.from_env(explicit).serving_on("127.0.0.1", 8123, env=explicit)
    assert (kept.issuer, kept.hub_url) == ("https://hub.example", "https://api.example")
    public_only = {"CSPR_HUB_PUBLIC_URL": "https://api.example"}
    mixed = Settings.from_env(public_only).serving_on("127.0.0.1", 8123, env=public_only)
    assert (mixed.issuer, mixed.hub_url) == ("http://127.0.0.1:8123", "https://api.example")


def test_token_refuses_a_role_that_does_not_suit_the_organisation(env: dict[str, str], tmp_path: Path) -> None:
    refused = cspr_hub("token", "--org", "E23000001", "--role", "la", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "does not suit" in refused.stderr and refused.stdout == ""


def test_orgs_load_takes_the_hub_layout_and_refreshes_names(env: dict[str, str], tmp_path: Path) -> None:
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("code,name,kind\nE09000007,London Borough of Camden,LOCAL_AUTHORITY\nX00000001,Invented Academy Trust,OTHER_AGENCY\n")
    loaded = cspr_hub("orgs", "load", str(orgs), env=env, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "organisations added: 1" in loaded.stdout and "organisations updated: 1" in loaded.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("what,is,this\n1,2,3\n")
    refused = cspr_hub("orgs", "load", str(bad), env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "unrecognised" in refused.stderr


def test_rules_prints_each_paragraph_with_its_tests(env: dict[str, str]) -> None:
    printed = cspr_hub("rules", env=env, cwd=ROOT)
    assert printed.returncode == 0, printed.stderr
    assert "para 12\tnotification-due" in printed.stdout
    assert "test_notification_due_five_working_days_after_awareness_over_christmas" in printed.stdout
    assert "(no test names this rule)" not in printed.stdout
    listed = {line.split("\t")[1] for line in printed.stdout.splitlines() if line and not line.startswith("\t")}
    assert listed == {rule.id for rule in all_rules()}
    assert {"panel-response", "case-handoff", "parallel-proceeding", "family-communication"} <= listed


def test_migrate_reports_the_head_revision(env: dict[str, str], tmp_path: Path) -> None:
    done = cspr_hub("migrate", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"database at revision {migrations.head()}" in done.stdout


def test_clients_create_prints_the_secret_once_and_list_and_revoke_work(env: dict[str, str], tmp_path: Path) -> None:
    made = cspr_hub("clients", "create", "--org", "E09000007", "--role", "la", "--name", "Invented system",
                    env=env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    lines = dict(line.split(": ", 1) for line in made.stdout.strip().splitlines())
    assert set(lines) == {"client_id", "client_secret"}
    listed = cspr_hub("clients", "list", env=env, cwd=tmp_path)
    assert lines["client_id"] in listed.stdout and lines["client_secret"] not in listed.stdout
    revoked = cspr_hub("clients", "revoke", lines["client_id"], env=env, cwd=tmp_path)
    assert revoked.returncode == 0
    assert "\t-\t" not in cspr_hub("clients", "list", env=env, cwd=tmp_path).stdout
    wrong = cspr_hub("clients", "create", "--org", "E09000007", "--role", "panel", env=env, cwd=tmp_path)
    assert wrong.returncode == 2 and "does not suit" in wrong.stderr


def test_keys_rotate_names_the_new_key(env: dict[str, str], tmp_path: Path) -> None:
    first = cspr_hub("keys", "rotate", env=env, cwd=tmp_path)
    second = cspr_hub("keys", "rotate", env=env, cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    assert first.stdout.startswith("signing with key ") and first.stdout != second.stdout


def test_version_prints_the_installed_version(env: dict[str, str], tmp_path: Path) -> None:
    from importlib.metadata import version

    printed = cspr_hub("--version", env=env, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip() == f"cspr-hub {version('cspr-hub')}"


def test_orgs_list_prints_codes_by_kind(env: dict[str, str], tmp_path: Path) -> None:
    listed = cspr_hub("orgs", "list", "--kind", "POLICE", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert rows and {kind for _, kind, _ in rows} == {"POLICE"}
    assert [code for code, _, _ in rows] == sorted(code for code, _, _ in rows)
    everyone = cspr_hub("orgs", "list", env=env, cwd=tmp_path).stdout
    assert "E09000007\tLOCAL_AUTHORITY\t" in everyone and "PANEL\tPANEL\t" in everyone
    wrong = cspr_hub("orgs", "list", "--kind", "COUNCIL", env=env, cwd=tmp_path)
    assert wrong.returncode == 2 and "unknown kind" in wrong.stderr


def test_schema_print_writes_to_standard_output_unless_given_a_file(env: dict[str, str], tmp_path: Path) -> None:
    printed = cspr_hub("schema", "print", env=env, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == (ROOT / "schema.graphql").read_text("utf-8")
    assert not (tmp_path / "schema.graphql").exists()
    written = cspr_hub("schema", "print", "--output", "out.graphql", env=env, cwd=tmp_path)
    assert written.returncode == 0 and (tmp_path / "out.graphql").read_text("utf-8") == printed.stdout


def test_demo_refuses_production_with_a_clear_message(env: dict[str, str], tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    production = {**env, "CSPR_HUB_ENV": "production", "CSPR_HUB_SECRET_KEY": Fernet.generate_key().decode()}
    refused = cspr_hub("demo", env=production, cwd=tmp_path)
    assert refused.returncode == 2 and "does not run in production" in refused.stderr
    assert not (tmp_path / "cli.db").exists()
