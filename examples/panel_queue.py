"""Pull the Panel's queue of rapid reviews awaiting its response, with the ``gql`` client.

    export CSPR_HUB_TOKEN=$(cspr-hub token --org PANEL --role panel)
    python examples/panel_queue.py             # the hub at CSPR_HUB_URL (default http://127.0.0.1:8000)

Follows the relay cursor (``pageInfo.endCursor``) until the last page and prints one JSON
object per rapid review: ``{"id", "status", "dueOn", "caseReference"}``, oldest in the
queue first. Any role may run it: each caller sees only the rapid reviews it may see.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXTransport

QUEUE = """
query PanelQueue($after: String) {
  rapidReviews(filter: {awaitingPanel: true}, first: 50, after: $after) {
    nodes { id status dueOn case { reference } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def graphql_url(base: str) -> str:
    """The GraphQL endpoint of the hub at ``base`` (CSPR_HUB_URL: the hub's address, e.g. http://127.0.0.1:8000)."""
    base = base.rstrip("/")
    return base if base.endswith("/graphql") else base + "/graphql"


def token() -> str:
    found = os.environ.get("CSPR_HUB_TOKEN")
    if not found:
        sys.exit("set CSPR_HUB_TOKEN: export CSPR_HUB_TOKEN=$(cspr-hub token --org ... --role ...), or get_token.sh")
    return found


def client(url: str, token: str) -> Client:
    """A gql client that sends the bearer token on every request."""
    transport = HTTPXTransport(url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return Client(transport=transport, fetch_schema_from_transport=False)


def awaiting_panel(gql_client: Client) -> Iterator[dict[str, Any]]:
    """Every rapid review in the Panel's queue, page by page."""
    after: str | None = None
    while True:
        result = gql_client.execute(GraphQLRequest(QUEUE, variable_values={"after": after}))
        page = result["rapidReviews"]
        yield from page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return
        after = page["pageInfo"]["endCursor"]


def main() -> int:
    parser = argparse.ArgumentParser(description="Print the Panel's queue of rapid reviews.")
    parser.add_argument("--url", default=os.environ.get("CSPR_HUB_URL", "http://127.0.0.1:8000"),
                        help="the hub's address (CSPR_HUB_URL)")
    args = parser.parse_args()
    for review in awaiting_panel(client(graphql_url(args.url), token())):
        print(json.dumps({"id": review["id"], "status": review["status"], "dueOn": review["dueOn"],
                          "caseReference": review["case"]["reference"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
