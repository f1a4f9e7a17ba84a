#!/usr/bin/env bash
# The Panel's queue of rapid reviews awaiting its response, with curl:
#
#   export TOKEN=$(examples/get_token.sh PANEL panel)
#   examples/panel_queue.sh
#
# Returns the first page (up to 50); pass pageInfo.endCursor as "after" for the next.
set -euo pipefail

URL="${CSPR_HUB_URL:-http://127.0.0.1:8000/graphql}"

curl -sS --fail-with-body "$URL" \
  -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' \
  --data-binary '{"query": "{ rapidReviews(filter: {awaitingPanel: true}, first: 50) { nodes { id status dueOn case { reference } } pageInfo { hasNextPage endCursor } } }"}'
echo
