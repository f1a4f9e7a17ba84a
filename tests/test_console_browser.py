"""The console in a real headless Chromium (Selenium, the distribution's chromium and chromedriver) against a
real ``cspr-hub serve`` loaded by ``cspr-hub demo``: the Panel signs in, finds the submitted rapid review in its
queue, opens the case, sees its timeline and records its response; a partner of another area neither lists
nor opens the case; no request leaves the hub's origin; axe-core finds no WCAG 2.2 AA violation on any page.

A screenshot of each page is kept under $CSPR_HUB_TEST_ARTEFACTS (else pytest's temporary directory); the
path is printed. Skipped without chromium or chromedriver, except under CI=true, where that fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest

from tests.conftest import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
AXE = Path(__file__).parent / "console" / "axe-4.14.1.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AWAITING = re.compile(r"(CSPR-\d{4}-[0-9A-F]{8})\s+rapid review submitted, awaiting the Panel")
BIRMINGHAM = "E08000025"

if os.environ.get("CI") == "true":
    assert CHROMIUM and CHROMEDRIVER, "CI needs chromium and chromedriver (.ci/run installs them)"
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no chromium or chromedriver on this machine (apt-get install -y chromium chromium-driver)")


def _environment(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSPR_HUB_")}
    return {**env, "CSPR_HUB_DATABASE_URL": database, "CSPR_HUB_ENV": "development"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A real hub process on a free port, its database loaded by ``cspr-hub demo``: (base URL, the reference
    of the rapid review awaiting the Panel, the database URL)."""
    folder = tmp_path_factory.mktemp("console-hub")
    database = f"sqlite+aiosqlite:///{folder / 'hub.db'}"
    env = _environment(database)
    made = subprocess.run([sys.executable, "-m", "app", "demo"], env=env, cwd=folder, capture_output=True,
                          text=True, timeout=600, check=True)
    found = AWAITING.search(made.stdout)
    assert found, made.stdout
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-worker"], env=env,
                               cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # up to a minute for the first start on a busy machine
            try:
                if httpx2.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError("the hub did not become ready")
        yield base, found.group(1), database
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("CSPR_HUB_TEST_ARTEFACTS")
    folder = Path(given) / "console" if given else tmp_path_factory.mktemp("console-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {folder}")
    return folder


def gone(element: Any) -> bool:
    """True once the page holding the element has been replaced.

    ChromeDriver reports an element of a page being replaced either as stale or, mid-navigation, as an
    "unknown error" saying the node does not belong to the document; both mean the old page is gone.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error.msg):
            return True
        raise
    return False


class Browser:
    """One headless Chromium session: every host but 127.0.0.1 fails to resolve, and its network log is kept."""

    def __init__(self, base: str, artefacts: Path, *, javascript: bool = True) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-extensions", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        if not javascript:
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        self.driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self.driver.set_script_timeout(60)
        self.base, self.artefacts = base, artefacts
        self.requested: list[str] = []
        self.errors: list[str] = []  # the pages' console errors (a failed script, a refused resource)
        self.axe = AXE.read_text("utf-8")

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text(self) -> str:
        return str(self.find("main").text)

    def submit(self, css: str) -> None:
        """Press the button and wait for the next page to load."""
        from selenium.webdriver.support.ui import WebDriverWait

        old = self.find("html")
        self.find(css).click()
        WebDriverWait(self.driver, 60).until(lambda _: gone(old))

    def check(self, name: str) -> None:
        """axe-core on this page (no WCAG 2.2 A/AA violation), then a full-page screenshot."""
        self.driver.execute_script(self.axe)
        violations = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            "  nodes: v.nodes.map(n => n.target.join(' '))}))))"
            ".catch(e => done([{id: 'axe-failed', help: String(e)}]));", WCAG_22_AA)
        assert violations == [], f"{name}: {json.dumps(violations, indent=1)}"
        height = int(self.driver.execute_script("return document.documentElement.scrollHeight"))
        self.driver.set_window_size(1280, max(900, min(height, 6000)))
        self.driver.save_screenshot(str(self.artefacts / f"{name}.png"))
        self.driver.set_window_size(1280, 900)
        self._log()

    def _log(self) -> None:
        page_status = self.base + "/console/"  # a page's own 400 or 404, which the tests expect and check
        self.errors += [e["message"] for e in self.driver.get_log("browser")  # type: ignore[no-untyped-call]
                        if e["level"] == "SEVERE" and not e["message"].startswith(page_status)]
        for entry in self.driver.get_log("performance"):  # type: ignore[no-untyped-call]
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requested.append(message["params"]["request"]["url"])

    def sign_in(self, organisation: str, role: str) -> None:
        self.open("/console")
        self.find("#organisation").send_keys(organisation)
        self.find(f"#role-{role}").click()
        self.submit("form[action='/console/sign-in'] button")

    def sign_out(self) -> None:
        self.submit("form[action='/console/sign-out'] button")

    def quit(self) -> None:
        self._log()
        self.driver.quit()


@contextlib.contextmanager
def opened_browser(served: tuple[str, str, str], artefacts: Path, *, javascript: bool = True) -> Iterator[Browser]:
    opened = Browser(served[0], artefacts, javascript=javascript)
    try:
        yield opened
    finally:
        opened.quit()
        elsewhere = [u for u in opened.requested if not u.startswith(("data:", served[0] + "/"))]
        assert opened.requested and not elsewhere, elsewhere  # nothing left the hub's origin
        assert opened.errors == []  # GOV.UK Frontend's script ran, and no resource was refused or missing


@pytest.fixture
def browser(served: tuple[str, str, str], artefacts: Path) -> Iterator[Browser]:
    with opened_browser(served, artefacts) as opened:
        yield opened


def test_the_panel_finds_the_rapid_review_opens_its_case_and_records_its_response(
        browser: Browser, served: tuple[str, str, str]) -> None:
    _, reference, _ = served
    # the sign-in page, and its error summary when the organisation is unknown
    browser.open("/console")
    assert "Sign in" in browser.text()
    browser.check("sign-in")
    browser.find("#organisation").send_keys("NOWHERE")
    browser.submit("form[action='/console/sign-in'] button")
    assert "There is a problem" in browser.text()
    browser.check("sign-in-error")
    # the Panel signs in and finds the submitted rapid review in its queue
    browser.sign_in("PANEL", "panel")
    assert urlsplit(browser.driver.current_url).path == "/console/queue"
    assert "govuk-frontend-supported" in (browser.find("body").get_attribute("class") or "")  # its script ran
    assert reference in browser.text()
    browser.check("panel-queue")
    # opens the case and sees its timeline
    from selenium.webdriver.common.by import By

    browser.driver.find_element(By.LINK_TEXT, reference).click()
    page = browser.text()
    assert reference in page and "Timeline" in page and "Rapid review submitted" in page
    assert "rapid_review.submitted" in page and "WT2018 ch4 para 21" in page
    browser.check("case")
    # records the Panel's response: a national review, each para 22 criterion answered
    browser.find("#outcome-NATIONAL_REVIEW").click()
    browser.find("#rationale").send_keys("Invented: issues of national importance about agencies working together.")
    for name, met in (("IMPROVEMENTS_NEEDED", "yes"), ("LEGISLATION_OR_GUIDANCE_CHANGE", "no"),
                      ("RECURRENT_THEMES", "yes")):
        browser.find(f"#met-{name}-{met}").click()
        browser.find(f"#how-{name}").send_keys("Invented: considered against the rapid review.")
    browser.submit("form[action$='/panel-response'] button")
    page = browser.text()
    assert "The Panel's response has been recorded" in page and "Panel responded" in page
    assert "Record the Panel's response" not in page
    browser.check("case-responded")
    # the inbox and the deadlines
    browser.open("/console/inbox")
    assert "Inbox" in browser.text()
    browser.check("inbox")
    browser.open("/console/deadlines")
    assert "Deadlines" in browser.text()
    browser.check("deadlines")
    browser.open("/console/reviews")
    assert "Publication due" in browser.text()
    browser.check("practice-reviews")
    browser.sign_out()
    assert "You have signed out" in browser.text()


def test_a_partner_of_another_area_neither_lists_nor_opens_the_case(
        browser: Browser, served: tuple[str, str, str]) -> None:
    _, reference, _ = served
    browser.sign_in("PANEL", "panel")
    from selenium.webdriver.common.by import By

    browser.open("/console/inbox")  # where the Panel was told of the case, whether or not it has responded
    case_path = urlsplit(str(browser.driver.find_element(By.LINK_TEXT, reference).get_attribute("href"))).path
    browser.sign_out()
    # Birmingham's local authority signs in
    browser.sign_in(BIRMINGHAM, "la")
    for path, name in (("/console/queue", "other-area-queue"), ("/console/inbox", "other-area-inbox"),
                       ("/console/deadlines", "other-area-deadlines"), ("/console/reviews", "other-area-reviews")):
        browser.open(path)
        assert reference not in browser.text() and case_path not in browser.driver.page_source, path
        browser.check(name)
    browser.open(case_path)
    assert "Page not found" in browser.text()
    browser.check("other-area-case-not-found")


async def _a_failing_delivery(database: str) -> None:
    """A webhook subscription of the Panel's whose receiver is not there, and one delivery to it tried once for
    real (connection refused): retrying on the schedule, as the worker leaves it."""
    from app.main import Hub
    from app.settings import Settings
    from connectors.webhooks import Sender, Worker
    from hub import organisations, webhooks
    from hub.models import WebhookDelivery
    from hub.principal import Principal
    from hub.store import transaction
    from hub.vocabulary import Role

    hub = Hub.create(Settings.from_env(_environment(database)))
    try:
        async with transaction(hub.sessions) as session:
            panel = await organisations.by_code(session, "PANEL")
            assert panel is not None
            principal = Principal(panel.id, panel.code, Role.PANEL, ("panel",))
            request = webhooks.SubscriptionRequest(url=f"http://127.0.0.1:{free_port()}/hook",
                                                   event_types=("notification.submitted",), description=None)
            subscription, _ = await webhooks.subscribe(session, clock=hub.clock, principal=principal, request=request,
                                                       allow_private=True, sealer=hub.sealer())
            session.add(WebhookDelivery(subscription_id=subscription.id, event_type="notification.submitted",
                                        payload={"type": "notification.submitted"}, status="PENDING",
                                        next_attempt_at=hub.clock.now(), created_at=hub.clock.now()))
        async with httpx2.AsyncClient() as client:
            worker = Worker(sessions=hub.sessions, clock=hub.clock, sender=Sender(client, sealer=hub.sealer()))
            assert await worker.run_once() == 1
    finally:
        await hub.engine.dispose()


def test_failing_deliveries_and_national_statistics(
        browser: Browser, served: tuple[str, str, str]) -> None:
    import asyncio

    asyncio.run(_a_failing_delivery(served[2]))
    # the Panel sees its failing delivery and queues it again
    browser.sign_in("PANEL", "panel")
    browser.open("/console/deliveries")
    page = browser.text()
    assert "notification.submitted" in page and "Retrying" in page and "Connector calls" not in page
    browser.check("failing-deliveries")
    browser.submit("form[action$='/redeliver'] button")
    assert "The delivery is queued again" in browser.text()
    browser.check("failing-deliveries-redelivered")
    # the national statistics, exact for the Panel
    browser.open("/console/statistics")
    browser.find("#dimension option[value='INCIDENT_KIND']").click()
    browser.submit("form[action='/console/statistics'] button")
    assert "Kind of incident" in browser.text() and "Total" in browser.text()
    assert "exact counts" in browser.text()
    browser.check("statistics-panel")
    browser.sign_out()
    # a council sees none of the Panel's deliveries, and the published (suppressed) statistics
    browser.sign_in(BIRMINGHAM, "la")
    browser.open("/console/deliveries")
    assert "notification.submitted" not in browser.text() and "Connector calls" in browser.text()
    browser.check("other-area-deliveries")
    browser.open("/console/statistics?dimension=REGION")
    assert "published figures" in browser.text()
    browser.check("statistics-public")


def test_with_javascript_off_the_panel_still_records_its_response(served: tuple[str, str, str], artefacts: Path) -> None:
    from selenium.webdriver.common.by import By

    _, reference, _ = served
    with opened_browser(served, artefacts, javascript=False) as browser:
        browser.sign_in("PANEL", "panel")
        assert "js-enabled" not in (browser.find("body").get_attribute("class") or "")  # no script ran
        links = browser.driver.find_elements(By.CSS_SELECTOR, "main a[href^='/console/cases/']")
        other = next(link for link in links if link.text != reference)  # not the one the other test answers
        chosen = other.text
        other.click()
        browser.find("#outcome-AGREES_WITH_PARTNERS").click()
        browser.find("#rationale").send_keys("Invented: the partners' local review will draw out the learning.")
        for name in ("IMPROVEMENTS_NEEDED", "LEGISLATION_OR_GUIDANCE_CHANGE", "RECURRENT_THEMES"):
            browser.find(f"#met-{name}-no").click()
            browser.find(f"#how-{name}").send_keys("Invented: considered against the rapid review.")
        browser.submit("form[action$='/panel-response'] button")
        assert "The Panel's response has been recorded" in browser.text() and chosen in browser.text()
        browser.driver.save_screenshot(str(artefacts / "case-responded-javascript-off.png"))
