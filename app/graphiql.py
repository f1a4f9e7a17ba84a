"""The GraphiQL page and its assets, all served by the hub: the page works without internet access.

The vendored files (``app/static/graphiql/``, see its README) carry their versions in their names and are
served with a year-long cache; the page names each with its SHA-384 (``integrity``), so a changed file is
refused by the browser. The bearer token goes in GraphiQL's Headers tab, shown open with a placeholder.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

STATIC = Path(__file__).parent / "static" / "graphiql"
PREFIX = "/static/graphiql/"
IMMUTABLE = {"cache-control": "public, max-age=31536000, immutable", "x-content-type-options": "nosniff"}
JS, CSS = "text/javascript; charset=utf-8", "text/css; charset=utf-8"


@dataclass(frozen=True)
class Asset:
    name: str
    media_type: str
    integrity: str | None = None  # the upstream SHA-384; None for the hub's own file (hashed when loaded)


VENDORED = (
    Asset("react-18.2.0.production.min.js", JS,
          "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8"),
    Asset("react-dom-18.2.0.production.min.js", JS,
          "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh"),
    Asset("graphiql-3.8.3.min.js", JS, "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie"),
    Asset("graphiql-3.8.3.min.css", CSS, "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM"),
)
OWN = Asset("hub-graphiql.js", JS)
ASSETS = {a.name: a for a in (*VENDORED, OWN)}


def sha384(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


@cache
def _content(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _tag(asset: Asset) -> str:
    integrity = asset.integrity or sha384(_content(asset.name))
    href = PREFIX + asset.name + ("" if asset.integrity else f"?v={integrity[7:19].replace('/', '_')}")
    if asset.media_type == CSS:
        return f'<link rel="stylesheet" href="{href}" integrity="{integrity}">'
    return f'<script src="{href}" integrity="{integrity}"></script>'


@cache
def page() -> str:
    styles = "".join(_tag(a) for a in VENDORED if a.media_type == CSS)
    scripts = "".join(_tag(a) for a in (*VENDORED, OWN) if a.media_type == JS)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>cspr-hub GraphiQL</title>
<style>body{{margin:0;height:100vh;overflow:hidden}}#graphiql{{height:100vh}}</style>
{styles}</head>
<body><div id="graphiql">Loading GraphiQL&hellip;</div>
<noscript>GraphiQL needs JavaScript. Agency systems call POST /graphql with a bearer token.</noscript>
{scripts}</body></html>
"""


def render() -> HTMLResponse:
    return HTMLResponse(page(), headers={"cache-control": "no-store"})


async def asset(request: Request) -> Response:
    """GET /static/graphiql/<name>: only the files named above."""
    found = ASSETS.get(str(request.path_params.get("name", "")))
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    return Response(_content(found.name), media_type=found.media_type, headers=IMMUTABLE)
