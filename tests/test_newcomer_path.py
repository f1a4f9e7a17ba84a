"""The README's newcomer path, followed as written, in a fresh copy of the project with a fresh virtual environment.

The commands are read from the README itself: the labelled block that sets up and starts the hub, and every
command of "Try it" (run in one shell, as a person types them in a second terminal). The one change made to
them is the port (the hub serves on a free loopback port, not 8000, and ``token`` is told that port): what the
README says is what runs. Then every example in ``examples/`` runs against the live hub, as ``examples/README.md``
says to run it, and the hub is stopped with Ctrl-C (SIGINT) and its data removed with the README's command.

Installing the project takes a minute or so (pip's cache and PyPI); each step is bounded in time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
IGNORED = shutil.ignore_patterns(".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".mypy_cache",
                                 ".ruff_cache", "*.egg-info", "build", "cspr-hub.db*", ".hypothesis")
SH_BLOCK = re.compile(r"```sh\n(.*?)```", re.DOTALL)
CAMDEN, PANEL = ("E09000007", "la"), ("PANEL", "panel")


def labelled_block(label: str) -> str:
    """The first ``sh`` block after the bold label ``**label**``."""
    at = README.index(f"**{label}**")
    found = SH_BLOCK.search(README, at)
    assert found is not None, label
    return found.group(1).strip()


def section_blocks(heading: str) -> list[str]:
    start = README.index(f"\n## {heading}\n")
    end = README.index("\n## ", start + 1)
    return [block.strip() for block in SH_BLOCK.findall(README[start:end])]


def on_port(command: str, port: int) -> str:
    """The command for a hub on ``port``: its address, and ``--port`` for `serve` and `token`."""
    command = command.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    return re.sub(r"cspr-hub (serve|token)\b", rf"cspr-hub \1 --port {port}", command)


def test_the_readme_test_command_is_the_one_ci_runs_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text("utf-8").strip().splitlines()[-1]
    assert labelled_block("Run the tests") == ci
    assert labelled_block("Set up and start the hub").startswith("python3 -m venv .venv && ")
    assert README.index("integration hub") < README.index("```sh")  # what the hub is, before any command


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Newcomer:
    folder: Path
    port: int
    env: dict[str, str]
    serving: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *command: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(command), cwd=self.folder, env={**self.env, **env}, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def token(self, who: tuple[str, str]) -> str:
        done = self.run(".venv/bin/cspr-hub", "token", "--org", who[0], "--role", who[1], "--port", str(self.port))
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def example(self, script: str, *args: str, token: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        runner = ["bash"] if script.endswith(".sh") else [".venv/bin/python"]
        return self.run(*runner, f"examples/{script}", *args, timeout=timeout, CSPR_HUB_URL=self.url,
                        CSPR_HUB_TOKEN=token)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as the README says; the whole group (the shell, pip, the hub) if it does not end."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newcomer]:
    folder = tmp_path_factory.mktemp("newcomer") / "cspr-hub"
    shutil.copytree(ROOT, folder, ignore=IGNORED)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CSPR_", "VIRTUAL_ENV", "PYTHONPATH", "PYTEST"))}
    found = Newcomer(folder, free_port(), env)
    start = on_port(labelled_block("Set up and start the hub"), found.port)
    log = (folder.parent / "serve.log").open("wb")
    serving = subprocess.Popen(["bash", "-c", start], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 900  # a fresh venv and the project installed, then migrated and started
        while time.monotonic() < deadline:
            assert serving.poll() is None, (folder.parent / "serve.log").read_text("utf-8", "replace")[-4000:]
            try:
                if httpx2.get(f"{found.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(1)
        else:
            pytest.fail("the hub did not answer /readyz within 15 minutes of the README's first command")
        found.serving = serving
        yield found
    finally:
        stop(serving)
        log.close()


def test_try_it_runs_as_written_in_a_second_terminal(newcomer: Newcomer) -> None:
    blocks = section_blocks("Try it")
    assert len(blocks) >= 4 and any("cspr-hub demo" in b for b in blocks)
    script = "set -euo pipefail\n" + "\n".join(
        f"echo '=== block {i}'\n{on_port(block, newcomer.port)}\necho" for i, block in enumerate(blocks))
    done = newcomer.run("bash", "-c", script, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    outputs = re.split(r"=== block \d+\n", done.stdout)[1:]
    demo, queue = outputs[0].split("\n", 1)[0], outputs[0]
    assert demo.startswith("made 9 invented cases"), outputs[0]
    json_lines = [json.loads(line) for line in queue.splitlines() if line.startswith("{")]
    assert json_lines and json_lines[-1]["data"]["rapidReviews"]["nodes"], queue
    notified = json.loads(outputs[1].strip())["data"]["notifySeriousIncident"]
    assert notified["errors"] == [] and notified["case"]["reference"].startswith("CSPR-"), outputs[1]
    inbox = json.loads(outputs[2].strip())["data"]["inbox"]["nodes"]
    assert any(m["case"]["reference"] == notified["case"]["reference"] for m in inbox if m["case"]), outputs[2]
    examples = outputs[3]
    assert re.search(r'^\{"id": "[^"]+", "reference": "CSPR-', examples, re.MULTILINE), examples  # notify.py
    assert '"errors":[]' in examples.replace(" ", ""), examples  # notify.sh
    assert '"caseReference": "CSPR-' in examples and '"rapidReviews"' in examples, examples  # the queues


def test_every_example_runs_against_the_live_hub(newcomer: Newcomer) -> None:
    installed = newcomer.run(".venv/bin/pip", "install", "-q", "-e", ".[examples]", timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]
    camden, panel = newcomer.token(CAMDEN), newcomer.token(PANEL)

    # get_token.sh: a registered client's credentials for a token, which then notifies
    made = newcomer.run(".venv/bin/cspr-hub", "clients", "create", "--org", CAMDEN[0], "--role", "la")
    assert made.returncode == 0, made.stderr
    credentials = dict(line.split(": ", 1) for line in made.stdout.strip().splitlines())
    got = newcomer.run("bash", "examples/get_token.sh", CSPR_HUB_URL=newcomer.url,
                       CSPR_CLIENT_ID=credentials["client_id"], CSPR_CLIENT_SECRET=credentials["client_secret"])
    assert got.returncode == 0 and got.stdout.strip().count(".") == 2, got.stderr

    for script, token in (("notify.sh", got.stdout.strip()), ("notify.py", camden)):
        done = newcomer.example(script, token=token)
        assert done.returncode == 0, done.stdout + done.stderr
        printed = json.loads(done.stdout)
        case = printed.get("data", {}).get("notifySeriousIncident", {}).get("case") if "data" in printed else printed
        assert case["reference"].startswith("CSPR-"), done.stdout
    refused = newcomer.example("notify.py", token=newcomer.token(("OFSTED", "ofsted")))
    assert refused.returncode != 0

    shell_queue = newcomer.example("panel_queue.sh", token=panel)
    assert shell_queue.returncode == 0 and json.loads(shell_queue.stdout)["data"]["rapidReviews"]["nodes"]
    if '"SUBMITTED"' not in shell_queue.stdout:  # run alone, without "Try it" before it
        assert newcomer.run(".venv/bin/cspr-hub", "demo", timeout=300).returncode == 0
    queue = newcomer.example("panel_queue.py", token=panel)
    assert queue.returncode == 0, queue.stderr
    waiting = [json.loads(line) for line in queue.stdout.splitlines()]
    assert waiting and all(r["caseReference"].startswith("CSPR-") for r in waiting)

    # subscribe_decisions.py says it waits, then prints the Panel's decision on one of Camden's cases
    watcher = subprocess.Popen([".venv/bin/python", "examples/subscribe_decisions.py", "--count", "1"],
                               cwd=newcomer.folder, env={**newcomer.env, "CSPR_HUB_URL": newcomer.url,
                                                         "CSPR_HUB_TOKEN": camden},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert watcher.stderr is not None
        said = watcher.stderr.readline()
        assert "waiting for decisions" in said, said
        review = next(r for r in waiting if r["status"] == "SUBMITTED")
        answer = {"outcome": "AGREES_WITH_PARTNERS", "rationale": "Invented: agreed.", "criteriaConsidered": [
            {"criterion": "IMPROVEMENTS_NEEDED", "met": True, "how": "Invented."},
            {"criterion": "LEGISLATION_OR_GUIDANCE_CHANGE", "met": False, "how": "Invented."},
            {"criterion": "RECURRENT_THEMES", "met": False, "how": "Invented."}]}
        responded = httpx2.post(f"{newcomer.url}/graphql", headers={"authorization": f"Bearer {panel}"}, json={
            "query": "mutation($r: ID!, $i: PanelResponseInput!) { respondToRapidReview(rapidReviewId: $r, "
                     "input: $i) { errors { code } } }", "variables": {"r": review["id"], "i": answer}}, timeout=30)
        assert responded.json()["data"]["respondToRapidReview"]["errors"] == [], responded.text
        out, err = watcher.communicate(timeout=60)
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait(timeout=10)
    assert watcher.returncode == 0, err
    decision = json.loads(out.splitlines()[0])
    assert decision["panelResponse"]["outcome"] == "AGREES_WITH_PARTNERS"

    # verify_webhook.py: a delivery signed as the hub signs it (Standard Webhooks)
    key = secrets.token_bytes(24)
    secret = "whsec_" + base64.b64encode(key).decode()
    body, message_id, stamp = '{"type":"case.notified","data":{"caseId":"invented"}}', "msg_invented", int(time.time())
    signature = base64.b64encode(hmac.new(key, f"{message_id}.{stamp}.{body}".encode(), hashlib.sha256).digest())
    (newcomer.folder / "body.json").write_text(body, "utf-8")
    verified = newcomer.run(".venv/bin/python", "examples/verify_webhook.py", "--secret", secret, "--id", message_id,
                            "--timestamp", str(stamp), "--signature", f"v1,{signature.decode()}",
                            "--body-file", "body.json")
    assert (verified.returncode, verified.stdout.strip()) == (0, "standardwebhooks: valid; by hand: valid")

    subgraph = newcomer.run(".venv/bin/python", "examples/agency-subgraph/app.py", "--print-sdl")
    assert subgraph.returncode == 0 and "localCaseNumber" in subgraph.stdout, subgraph.stderr


def test_ctrl_c_stops_the_hub_and_the_readme_command_resets_its_data(newcomer: Newcomer) -> None:
    serving = newcomer.serving
    assert serving is not None
    assert (newcomer.folder / "cspr-hub.db").exists()
    stop(serving)
    assert serving.returncode is not None
    reset = re.search(r"`(rm -f cspr-hub\.db[^`]*)`", README)
    assert reset is not None and "cspr-hub.db-wal" in reset.group(1) and "cspr-hub.db-shm" in reset.group(1)
    assert newcomer.run("bash", "-c", reset.group(1)).returncode == 0
    assert not list(newcomer.folder.glob("cspr-hub.db*"))
