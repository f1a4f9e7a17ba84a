"""Verify a hub webhook delivery (Standard Webhooks), with the ``standardwebhooks`` package and by hand.

The hub posts each delivery with three headers:

* ``webhook-id``: the delivery id, the same on every retry (use it to drop duplicates);
* ``webhook-timestamp``: Unix seconds when it was signed;
* ``webhook-signature``: one or more space-separated ``v1,<base64>`` signatures, one per
  live secret (two while a rotated secret is in its grace period).

Each signature is ``base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))`` where ``key`` is
the base64-decoded part of the ``whsec_...`` secret after the prefix, and ``body`` is the raw
request body exactly as received (verify before parsing JSON). Reject a timestamp more than
five minutes away from now, to stop replays.

    python examples/verify_webhook.py --secret whsec_... --id msg_... --timestamp 1767225600 --body-file body.json \\
        --signature 'v1,...'
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from standardwebhooks import Webhook, WebhookVerificationError

TOLERANCE_SECONDS = 5 * 60


def verify_with_library(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """The ``standardwebhooks`` package: checks the signature and the timestamp tolerance."""
    try:
        Webhook(secret).verify(body, dict(headers), json_parse=False)
    except WebhookVerificationError:
        return False
    return True


def expected_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = message_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify_by_hand(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> bool:
    """The same check with the standard library: any one ``v1`` signature may match."""
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if not timestamp.isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = expected_signature(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in headers["webhook-signature"].split())


def main() -> int:
    parser = argparse.ArgumentParser(description="Verify a webhook delivery's signature.")
    parser.add_argument("--secret", required=True, help="whsec_... shown once when the subscription was made")
    parser.add_argument("--id", required=True, help="the webhook-id header")
    parser.add_argument("--timestamp", required=True, help="the webhook-timestamp header")
    parser.add_argument("--signature", required=True, help="the webhook-signature header")
    parser.add_argument("--body-file", type=Path, required=True, help="the raw request body")
    args = parser.parse_args()
    headers = {"webhook-id": args.id, "webhook-timestamp": args.timestamp, "webhook-signature": args.signature}
    body = args.body_file.read_bytes()
    library, by_hand = verify_with_library(args.secret, headers, body), verify_by_hand(args.secret, headers, body)
    print(f"standardwebhooks: {'valid' if library else 'INVALID'}; by hand: {'valid' if by_hand else 'INVALID'}")
    return 0 if library and by_hand else 1


if __name__ == "__main__":
    sys.exit(main())
