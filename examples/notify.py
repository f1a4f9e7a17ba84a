"""Notify the Panel of a serious incident through the hub, with the ``gql`` client.

    export CSPR_HUB_TOKEN=$(cspr-hub token --org E09000007 --role la)   # Camden, a local authority
    python examples/notify.py                  # the hub at CSPR_HUB_URL (default http://127.0.0.1:8000)

Prints the new case as JSON (``{"id": ..., "reference": ..., "dueOn": ...}``) and exits 0;
prints the refusal (``errors``: code, field, message) and exits 1 when the hub refuses the
input. The ``idempotencyKey`` makes a retry after a timeout safe: the same key returns the
first result and changes nothing. Every name and fact here is invented.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXTransport

NOTIFY = """
mutation Notify($input: NotifySeriousIncidentInput!) {
  notifySeriousIncident(input: $input) {
    case { id reference }
    notification { dueOn onTime }
    errors { code field message }
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


def invented_incident(today: str, idempotency_key: str) -> dict[str, Any]:
    """A serious-harm incident the hub will accept; the child and the facts are invented."""
    return {
        "child": {"firstName": "Invented", "lastName": "Child", "sex": "FEMALE",
                  "lookedAfter": False, "onChildProtectionPlan": False},
        "incident": {"kind": "SERIOUS_HARM", "occurredOn": today, "awareOn": today,
                     "abuseOrNeglect": "SUSPECTED", "location": "IN_AREA", "summary": "Example incident; neglect suspected."},
        "idempotencyKey": idempotency_key,
    }


def notify(gql_client: Client, incident: dict[str, Any]) -> dict[str, Any]:
    """Run the mutation; returns the payload (case, notification, errors)."""
    result = gql_client.execute(GraphQLRequest(NOTIFY, variable_values={"input": incident}))
    return cast(dict[str, Any], result["notifySeriousIncident"])


def main() -> int:
    parser = argparse.ArgumentParser(description="Notify a serious incident (invented data).")
    parser.add_argument("--url", default=os.environ.get("CSPR_HUB_URL", "http://127.0.0.1:8000"),
                        help="the hub's address (CSPR_HUB_URL)")
    parser.add_argument("--idempotency-key", default=str(uuid.uuid4()))
    args = parser.parse_args()
    today = datetime.now(ZoneInfo("Europe/London")).date().isoformat()
    payload = notify(client(graphql_url(args.url), token()), invented_incident(today, args.idempotency_key))
    if payload["errors"]:
        print(json.dumps({"errors": payload["errors"]}), file=sys.stderr)
        return 1
    print(json.dumps({**payload["case"], "dueOn": payload["notification"]["dueOn"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
