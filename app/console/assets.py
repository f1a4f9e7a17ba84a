"""GET /static/govuk/<path>: the vendored GOV.UK Frontend files and the console's own, served by the hub.

Only the files under ``app/static/govuk/`` are served (see its README for where they come from); the
console loads nothing from another origin.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

STATIC = Path(__file__).resolve().parent.parent / "static" / "govuk"
PREFIX = "/static/govuk/"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
         ".png": "image/png", ".ico": "image/x-icon"}
HEADERS = {"cache-control": "public, max-age=86400", "x-content-type-options": "nosniff"}


@cache
def files() -> dict[str, Path]:
    """Every servable file by its path under the prefix."""
    return {p.relative_to(STATIC).as_posix(): p for p in STATIC.rglob("*") if p.is_file() and p.suffix in TYPES}


async def asset(request: Request) -> Response:
    found = files().get(str(request.path_params.get("path", "")))
    if found is None:
        return PlainTextResponse("Not Found", status_code=404)
    return Response(found.read_bytes(), media_type=TYPES[found.suffix], headers=HEADERS)
