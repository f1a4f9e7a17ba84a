"""GraphiQL renders in a real headless Chromium that can reach no host but the hub's own (skipped without one)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile

import pytest

from app.main import Hub, create_app
from tests.conftest import serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def dump_dom(url: str) -> str:
    """The page's DOM once its scripts have run; every host but 127.0.0.1 fails to resolve."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        process = await asyncio.create_subprocess_exec(
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-extensions", "--disable-background-networking", f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--virtual-time-budget=15000",
            "--dump-dom", url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        try:
            out, _ = await asyncio.wait_for(process.communicate(), timeout=90)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise
    return out.decode()


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (apt-get install -y chromium)")
async def test_graphiql_renders_offline_with_the_headers_tab_open(hub: Hub) -> None:
    async with serving(create_app(hub=hub)) as base:
        dom = await dump_dom(f"{base}/graphql")
    assert "graphiql-container" in dom and "Loading GraphiQL" not in dom, dom[:2000]
    assert "graphiql-editor" in dom  # the query editor is drawn
    assert "addWorkingDays" in dom  # the default query
    assert "paste a token from POST /oauth/token" in dom  # the Headers tab, open, shows the placeholder
