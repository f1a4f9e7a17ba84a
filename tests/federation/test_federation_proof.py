"""Federation and GraphQL-ecosystem conformance, checked by the peers' own tools.

* Apollo's composition (``@apollo/composition``) composes the hub's printed SDL with the
  example agency subgraph, and refuses it once the ``Case`` key is broken.
* An Apollo gateway (``@apollo/gateway`` + ``@apollo/server``) joins a live hub and the
  live agency subgraph; one query returns fields of both, and the hub's visibility rules
  hold across the join (another authority gets null, Ofsted gets no child's name).
* The integrator examples (``gql`` over HTTP, Standard Webhooks verification) run against
  a live hub.

The Node packages are installed here with ``npm ci`` when ``node_modules`` is missing.
Without node or npm these tests are skipped with the reason, except under CI, where they fail.
Every server is bound to 127.0.0.1 and stopped when its fixture ends.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
EXAMPLES = ROOT / "examples"
AGENCY_APP = EXAMPLES / "agency-subgraph" / "app.py"
HUB_CLI = [sys.executable, "-m", "app"]
CAMDEN, ISLINGTON = ("E09000007", "la"), ("E09000019", "la")
OFSTED, PANEL = ("OFSTED", "ofsted"), ("PANEL", "panel")
CASE_KEY = 'type Case @key(fields: "id") {'
START_TIMEOUT = 60.0
COMMAND_TIMEOUT = 120.0
NPM_TIMEOUT = 600.0

NOTIFY = """mutation($input: NotifySeriousIncidentInput!) { notifySeriousIncident(input: $input) {
  case { id reference } errors { code } } }"""
START_REVIEW = """mutation($c: ID!) { startRapidReview(caseId: $c) { rapidReview { id } errors { code } } }"""
SUBMIT_REVIEW = """mutation($r: ID!, $i: SubmitRapidReviewInput!) { submitRapidReview(rapidReviewId: $r, input: $i) {
  rapidReview { id status } errors { code } } }"""
PARTNERS = """query($code: String!) { organisation(code: $code) { partnerships { members { code kind } } } }"""
# para 18 / regulation 11: each criterion the partners must take into account, answered
CRITERIA = [{"criterion": c, "met": False, "how": "Invented: considered at the rapid review meeting."}
            for c in ("IMPROVEMENTS_NEEDED", "RECURRENT_THEMES", "AGENCIES_WORKING_TOGETHER", "PANEL_CONSIDERS_LOCAL_REVIEW")]
JOINED = """query($id: ID!) { case(id: $id) { reference child { firstName } localCaseNumber } }"""


# --- tools -------------------------------------------------------------------------------------

def unavailable(reason: str) -> None:
    """Fail under CI, skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node() -> str:
    """The node executable, with this folder's packages installed (``npm ci``) if they are not yet."""
    node_bin, npm_bin = shutil.which("node"), shutil.which("npm")
    if node_bin is None or npm_bin is None:
        unavailable("node and npm are needed for Apollo's composition and gateway; install Node.js 20+")
    assert node_bin is not None and npm_bin is not None
    if not (HERE / "node_modules" / "@apollo" / "gateway").is_dir():
        done = subprocess.run([npm_bin, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE,
                              capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False)
        assert done.returncode == 0, f"npm ci failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return node_bin


def run(command: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                          check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def today() -> str:
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- processes ---------------------------------------------------------------------------------

@contextmanager
def running(command: list[str], log: Path, ready: Callable[[], bool], env: dict[str, str] | None = None) -> Iterator[None]:
    """Start a server, wait (bounded) until ``ready()``, and always stop it afterwards."""
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
        try:
            wait_until_ready(process, log, ready)
            yield
        finally:
            stop(process)


def wait_until_ready(process: subprocess.Popen[bytes], log: Path, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args!r} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        if ready():
            return
        time.sleep(0.2)
    pytest.fail(f"{process.args!r} not ready after {START_TIMEOUT} s:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def answers(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx2.get(url, timeout=2.0).status_code == 200
        except httpx2.HTTPError:
            return False
    return check


def says(log: Path, text: str) -> Callable[[], bool]:
    return lambda: text in log.read_text()


# --- the hub -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LiveHub:
    url: str
    database_url: str
    env: dict[str, str]

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    def token(self, who: tuple[str, str]) -> str:
        done = run([*HUB_CLI, "token", "--org", who[0], "--role", who[1], "--port", self.url.rsplit(":", 1)[1],
                    "--database-url", self.database_url], env=self.env)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def post(self, query: str, variables: dict[str, Any], token: str, url: str | None = None) -> dict[str, Any]:
        response = httpx2.post(url or self.graphql, json={"query": query, "variables": variables},
                               headers={"Authorization": f"Bearer {token}"}, timeout=30.0)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHub]:
    """``cspr-hub serve`` on a loopback port with a SQLite file of its own."""
    folder = tmp_path_factory.mktemp("hub")
    database_url = f"sqlite+aiosqlite:///{folder / 'hub.db'}"
    env = {**os.environ, "CSPR_HUB_DATABASE_URL": database_url}
    port = free_port()
    live = LiveHub(f"http://127.0.0.1:{port}", database_url, env)
    command = [*HUB_CLI, "serve", "--host", "127.0.0.1", "--port", str(port), "--database-url", database_url]
    with running(command, folder / "hub.log", answers(f"{live.url}/readyz"), env):
        yield live


@pytest.fixture(scope="module")
def tokens(hub: LiveHub) -> dict[tuple[str, str], str]:
    return {who: hub.token(who) for who in (CAMDEN, ISLINGTON, OFSTED, PANEL)}


def invented_incident() -> dict[str, Any]:
    return {"child": {"firstName": "Invented", "lastName": "Child", "sex": "FEMALE", "lookedAfter": False,
                      "onChildProtectionPlan": False},
            "incident": {"kind": "SERIOUS_HARM", "occurredOn": today(), "awareOn": today(),
                         "abuseOrNeglect": "SUSPECTED", "location": "IN_AREA", "summary": "Example incident; neglect suspected."}}


def notified_case(hub: LiveHub, token: str) -> dict[str, str]:
    payload = hub.post(NOTIFY, {"input": invented_incident()}, token)["data"]["notifySeriousIncident"]
    assert payload["errors"] == []
    return dict(payload["case"])


# --- composition -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sdl_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hub's SDL as ``cspr-hub schema print --stdout`` prints it, and the agency subgraph's."""
    folder = tmp_path_factory.mktemp("sdl")
    hub_sdl, agency_sdl = run([*HUB_CLI, "schema", "print", "--stdout"]), run([sys.executable, str(AGENCY_APP), "--print-sdl"])
    assert hub_sdl.returncode == 0 and agency_sdl.returncode == 0, hub_sdl.stderr + agency_sdl.stderr
    (folder / "hub.graphql").write_text(hub_sdl.stdout)
    (folder / "agency.graphql").write_text(agency_sdl.stdout)
    return folder / "hub.graphql", folder / "agency.graphql"


def compose(node: str, hub_sdl: Path, agency_sdl: Path) -> subprocess.CompletedProcess[str]:
    return run([node, str(HERE / "compose.mjs"), str(hub_sdl), str(agency_sdl)], cwd=HERE)


def test_apollo_composition_composes_the_hub_with_an_agency_subgraph_extending_case(
        node: str, sdl_files: tuple[Path, Path]) -> None:
    composed = compose(node, *sdl_files)
    assert composed.returncode == 0, composed.stderr
    assert "error:" not in composed.stderr
    supergraph = composed.stdout
    assert '@join__type(graph: HUB, key: "id")' in supergraph and '@join__type(graph: AGENCY, key: "id")' in supergraph
    assert "localCaseNumber: String @join__field(graph: AGENCY)" in supergraph


@pytest.mark.parametrize(("broken", "code"), [
    ('type Case @key(fields: "caseNumber") {', "KEY_INVALID_FIELDS"),
    ("type Case {", "INVALID_FIELD_SHARING"),
], ids=["key-on-a-missing-field", "key-removed"])
def test_apollo_composition_refuses_the_hub_once_the_case_key_is_broken(
        node: str, sdl_files: tuple[Path, Path], tmp_path: Path, broken: str, code: str) -> None:
    hub_sdl, agency_sdl = sdl_files
    text = hub_sdl.read_text()
    assert text.count(CASE_KEY) == 1, "the hub's SDL no longer declares Case as expected"
    mutated = tmp_path / "hub-broken.graphql"
    mutated.write_text(text.replace(CASE_KEY, broken))
    composed = compose(node, mutated, agency_sdl)
    assert composed.returncode != 0
    assert code in composed.stderr, composed.stderr


# --- gateway end to end ------------------------------------------------------------------------

@dataclass(frozen=True)
class Federated:
    gateway: str
    agency: str
    case: dict[str, str]


@pytest.fixture(scope="module")
def federated(node: str, hub: LiveHub, tokens: dict[tuple[str, str], str],
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federated]:
    """A case notified by Camden; the agency subgraph holding a record of it; a gateway over both."""
    folder = tmp_path_factory.mktemp("federated")
    case = notified_case(hub, tokens[CAMDEN])
    agency_port, gateway_port = free_port(), free_port()
    agency = f"http://127.0.0.1:{agency_port}/graphql"
    seed = {case["id"]: {"localCaseNumber": "LA-INVENTED-0001", "allocatedSocialWorkerTeam": "Invented Team North"}}
    agency_env = {**os.environ, "AGENCY_SUBGRAPH_DATA": json.dumps(seed)}
    with running([sys.executable, str(AGENCY_APP), "--port", str(agency_port)], folder / "agency.log",
                 answers(f"http://127.0.0.1:{agency_port}/healthz"), agency_env):
        gateway_log = folder / "gateway.log"
        with running([node, str(HERE / "gateway.mjs"), str(gateway_port), hub.graphql, agency], gateway_log,
                     says(gateway_log, "gateway ready at")):
            yield Federated(f"http://127.0.0.1:{gateway_port}/", agency, case)


def test_the_agency_subgraph_wants_a_token_except_for_its_sdl(federated: Federated) -> None:
    entities = {"query": '{ _entities(representations: [{__typename: "Case", id: "x"}]) { __typename } }'}
    assert httpx2.post(federated.agency, json=entities, timeout=10.0).status_code == 401
    sdl = httpx2.post(federated.agency, json={"query": "{ _service { sdl } }"}, timeout=10.0)
    assert sdl.status_code == 200 and "localCaseNumber" in sdl.json()["data"]["_service"]["sdl"]


def test_one_query_through_the_gateway_joins_hub_and_agency_fields_for_camden(
        hub: LiveHub, federated: Federated, tokens: dict[tuple[str, str], str]) -> None:
    body = hub.post(JOINED, {"id": federated.case["id"]}, tokens[CAMDEN], url=federated.gateway)
    assert body["data"]["case"] == {"reference": federated.case["reference"], "child": {"firstName": "Invented"},
                                    "localCaseNumber": "LA-INVENTED-0001"}


def test_visibility_holds_across_the_join(hub: LiveHub, federated: Federated,
                                          tokens: dict[tuple[str, str], str]) -> None:
    islington = hub.post(JOINED, {"id": federated.case["id"]}, tokens[ISLINGTON], url=federated.gateway)
    assert islington["data"]["case"] is None
    ofsted = hub.post(JOINED, {"id": federated.case["id"]}, tokens[OFSTED], url=federated.gateway)
    assert ofsted["data"]["case"]["reference"] == federated.case["reference"]
    assert ofsted["data"]["case"]["child"] == {"firstName": None}


# --- the integrator examples -------------------------------------------------------------------

def run_example(script: str, hub: LiveHub, token: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSPR_HUB_URL": hub.url, "CSPR_HUB_TOKEN": token}
    runner = ["bash"] if script.endswith(".sh") else [sys.executable]
    return run([*runner, str(EXAMPLES / script)], env=env)


def submitted_to_panel(hub: LiveHub, token: str, case_id: str) -> None:
    started = hub.post(START_REVIEW, {"c": case_id}, token)["data"]["startRapidReview"]
    assert started["errors"] == []
    found = hub.post(PARTNERS, {"code": CAMDEN[0]}, token)["data"]["organisation"]["partnerships"]
    partners = sorted({m["code"] for p in found for m in p["members"] if m["kind"] != "LOCAL_AUTHORITY"})
    submission = {"recommendation": "NATIONAL_REVIEW_MAY_BE_APPROPRIATE", "rationale": "Invented rationale.",
                  "missingContributionReason": "Invented: partners' contributions not yet in.",
                  "criteriaConsidered": CRITERIA,
                  "missingSignOffs": [{"organisationCode": code, "reason": "Invented: sign-off not yet in."}
                                      for code in partners]}
    submitted = hub.post(SUBMIT_REVIEW, {"r": started["rapidReview"]["id"], "i": submission}, token)
    assert submitted["data"]["submitRapidReview"]["errors"] == []


def test_the_gql_examples_notify_and_then_find_the_case_in_the_panels_queue(
        hub: LiveHub, tokens: dict[tuple[str, str], str]) -> None:
    notified = run_example("notify.py", hub, tokens[CAMDEN])
    assert notified.returncode == 0, notified.stderr
    case = json.loads(notified.stdout)
    assert case["reference"].startswith("CSPR-") and case["dueOn"]
    submitted_to_panel(hub, tokens[CAMDEN], case["id"])
    queued = run_example("panel_queue.py", hub, tokens[PANEL])
    assert queued.returncode == 0, queued.stderr
    queue = [json.loads(line) for line in queued.stdout.splitlines()]
    assert [(r["caseReference"], r["status"]) for r in queue if r["caseReference"] == case["reference"]] == [
        (case["reference"], "SUBMITTED")]


def test_the_notify_example_refuses_cleanly_for_a_role_that_may_not_notify(
        hub: LiveHub, tokens: dict[tuple[str, str], str]) -> None:
    refused = run_example("notify.py", hub, tokens[OFSTED])
    assert refused.returncode != 0


@pytest.mark.parametrize("script", ["notify.sh", "panel_queue.sh"])
def test_the_curl_examples_answer(hub: LiveHub, tokens: dict[tuple[str, str], str], script: str) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    who = CAMDEN if script == "notify.sh" else PANEL
    done = run_example(script, hub, tokens[who])
    assert done.returncode == 0, done.stdout + done.stderr
    body = json.loads(done.stdout)
    assert "errors" not in body, body


def test_the_webhook_example_verifies_the_hubs_own_signature_both_ways() -> None:
    from connectors.webhooks import sign
    from hub.webhooks import new_secret

    verify = load_example("verify_webhook")
    old, new = new_secret(), new_secret()
    body, message_id, stamp = '{"type":"case.notified","data":{"caseId":"invented"}}', "msg_invented", int(time.time())
    headers = {"webhook-id": message_id, "webhook-timestamp": str(stamp),
               "webhook-signature": f"{sign(old, message_id, stamp, body)} {sign(new, message_id, stamp, body)}"}
    for secret in (old, new):
        assert verify.verify_with_library(secret, headers, body.encode())
        assert verify.verify_by_hand(secret, headers, body.encode())
    tampered = body.replace("invented", "altered").encode()
    assert not verify.verify_with_library(new, headers, tampered)
    assert not verify.verify_by_hand(new, headers, tampered)
    stale = {**headers, "webhook-timestamp": str(stamp - 3600)}
    assert not verify.verify_by_hand(new, stale, body.encode())
