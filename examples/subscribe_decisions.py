"""Watch decisions on your cases live, over graphql-transport-ws, with the ``gql`` client.

    export CSPR_HUB_TOKEN=$(cspr-hub token --org E09000007 --role la)   # Camden, a local authority
    python examples/subscribe_decisions.py --count 1    # the hub at CSPR_HUB_URL (default http://127.0.0.1:8000)

Signs in with the bearer token in ``connection_init`` and prints each decision (a rapid
review submitted, a local review decided, a Panel response) as one JSON line; stops after
``--count`` decisions. It says on standard error that it is waiting, and again every
``--every`` seconds while nothing comes. A decision on a case the token's organisation may not
see never arrives. ``--url`` takes the WebSocket address itself (``ws://.../graphql``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

DECISIONS = """
subscription { decisions { eventType occurredAt case { reference } panelResponse { outcome rationale } } }
"""


def websocket_url(base: str) -> str:
    """The WebSocket address of the hub at ``base`` (CSPR_HUB_URL, e.g. http://127.0.0.1:8000)."""
    base = base.rstrip("/")
    base = base if base.endswith("/graphql") else base + "/graphql"
    return "ws" + base[4:] if base.startswith("http") else base


async def waiting(url: str, every: float) -> None:
    print(f"connected to {url}; waiting for decisions on your cases (Ctrl-C to stop)", file=sys.stderr, flush=True)
    while True:
        await asyncio.sleep(every)
        print("still waiting for a decision...", file=sys.stderr, flush=True)


async def watch(url: str, token: str, count: int, every: float = 30.0) -> int:
    transport = WebsocketsTransport(url=url, init_payload={"Authorization": f"Bearer {token}"},
                                    subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        seen = 0
        heartbeat = asyncio.create_task(waiting(url, every))
        try:
            async for result in session.subscribe(GraphQLRequest(DECISIONS)):
                print(json.dumps(result["decisions"]), flush=True)
                seen += 1
                if seen >= count:
                    return 0
        finally:
            heartbeat.cancel()
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=websocket_url(os.environ.get("CSPR_HUB_URL", "http://127.0.0.1:8000")),
                        help="the hub's WebSocket address (default from CSPR_HUB_URL)")
    parser.add_argument("--count", type=int, default=1, help="stop after this many decisions")
    parser.add_argument("--every", type=float, default=30.0, help="say it is still waiting every so many seconds")
    args = parser.parse_args()
    token = os.environ.get("CSPR_HUB_TOKEN")
    if not token:
        print("set CSPR_HUB_TOKEN: export CSPR_HUB_TOKEN=$(cspr-hub token --org ... --role ...)", file=sys.stderr)
        return 2
    try:
        return asyncio.run(watch(args.url, token, args.count, args.every))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
