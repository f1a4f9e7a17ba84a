#!/usr/bin/env bash
# The Panel's queue of rapid reviews awaiting its response, with curl:
#
#   export CSPR_HUB_TOKEN=$(cspr-hub token --org PANEL --role panel)   # development; or examples/get_token.sh
#   examples/panel_queue.sh
#
# Returns the first page (up to 50); pass pageInfo.endCursor as "after" for the next.
set -euo pipefail

BASE="${CSPR_HUB_URL:-http://127.0.0.1:8000}"   # the hub's address
BASE="${BASE%/}"
URL="${BASE%/graphql}/graphql"
: "${CSPR_HUB_TOKEN:?set CSPR_HUB_TOKEN (cspr-hub token, or examples/get_token.sh)}"

curl -sS --fail-with-body "$URL" \
  -H "authorization: Bearer $CSPR_HUB_TOKEN" \
  -H 'content-type: application/json' \
  --data-binary '{"query": "{ rapidReviews(filter: {awaitingPanel: true}, first: 50) { nodes { id status dueOn case { reference } } pageInfo { hasNextPage endCursor } } }"}'
echo
