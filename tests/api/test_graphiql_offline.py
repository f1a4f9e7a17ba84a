"""GraphiQL works without internet access: the page and every asset it names come from the hub itself."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx2

from app.graphiql import sha384

MEDIA = {"js": "text/javascript", "css": "text/css"}


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str | None]] = []  # (tag, url, integrity)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attribute in ("src", "href", "action", "poster", "data"):
            if named.get(attribute):
                self.found.append((tag, str(named[attribute]), named.get("integrity")))


async def test_the_graphiql_page_references_only_the_hubs_own_assets(client: httpx2.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://|//[a-z]", page.text, re.IGNORECASE)  # no other origin, not even in text
    parser = References()
    parser.feed(page.text)
    assert {tag for tag, _, _ in parser.found} == {"link", "script"}
    assert len(parser.found) == 5  # React, ReactDOM, GraphiQL's script and style sheet, the hub's own script

    for _, url, integrity in parser.found:
        # then each is same-origin, answers 200 with its type, is cached long, and matches its integrity
        assert url.startswith("/static/graphiql/") and not url.startswith("//"), url
        asset = await client.get(url)
        assert asset.status_code == 200, url
        kind = url.split("?")[0].rsplit(".", 1)[1]
        assert asset.headers["content-type"].startswith(MEDIA[kind]), url
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert integrity == sha384(asset.content), url
        if kind == "css":  # fonts are embedded: no url() leaves the page's origin
            assert not re.search(rb"url\(\s*['\"]?(https?:)?//", asset.content)


async def test_the_headers_tab_opens_with_a_bearer_placeholder(client: httpx2.AsyncClient) -> None:
    script = (await client.get("/static/graphiql/hub-graphiql.js")).text
    assert 'defaultEditorToolsVisibility: "headers"' in script
    assert "Authorization: PLACEHOLDER" in script and 'PLACEHOLDER = "Bearer <paste a token' in script
    assert "shouldPersistHeaders: true" in script


async def test_only_the_named_files_are_served(client: httpx2.AsyncClient) -> None:
    for path in ("/static/graphiql/README.md", "/static/graphiql/LICENSE-react.txt", "/static/graphiql/../graphiql.py",
                 "/static/graphiql/%2E%2E%2Fgraphiql.py", "/static/graphiql/nothing.js"):
        assert (await client.get(path)).status_code == 404, path
