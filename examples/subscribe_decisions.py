"""Watch decisions on your cases live, over graphql-transport-ws, with the ``gql`` client.

    export CSPR_HUB_TOKEN=$(cspr-hub token --org E09000007 --role la)   # Camden, a local authority
    python examples/subscribe_decisions.py --url ws://127.0.0.1:8000/graphql --count 1

Signs in with the bearer token in ``connection_init`` and prints each decision (a rapid
review submitted, a local review decided, a Panel response) as one JSON line; stops after
``--count`` decisions. A decision on a case the token's organisation may not see never
arrives.
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


async def watch(url: str, token: str, count: int) -> int:
    transport = WebsocketsTransport(url=url, init_payload={"Authorization": f"Bearer {token}"},
                                    subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        seen = 0
        async for result in session.subscribe(GraphQLRequest(DECISIONS)):
            print(json.dumps(result["decisions"]), flush=True)
            seen += 1
            if seen >= count:
                return 0
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("CSPR_HUB_WS_URL", "ws://127.0.0.1:8000/graphql"))
    parser.add_argument("--count", type=int, default=1)
    args = parser.parse_args()
    token = os.environ.get("CSPR_HUB_TOKEN")
    if not token:
        print("set CSPR_HUB_TOKEN (see get_token.sh)", file=sys.stderr)
        return 2
    return asyncio.run(watch(args.url, token, args.count))


if __name__ == "__main__":
    sys.exit(main())
