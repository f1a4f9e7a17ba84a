#!/usr/bin/env bash
# Notify a serious incident with curl (invented child and facts), as Camden:
#
#   export CSPR_HUB_TOKEN=$(cspr-hub token --org E09000007 --role la)   # development; or examples/get_token.sh
#   examples/notify.sh
#
# Prints the hub's JSON answer: the case's id and reference, the notification's due date,
# and errors (empty on success). Send the same idempotencyKey again after a timeout and
# the hub returns the first result and changes nothing.
set -euo pipefail

BASE="${CSPR_HUB_URL:-http://127.0.0.1:8000}"   # the hub's address
BASE="${BASE%/}"
URL="${BASE%/graphql}/graphql"
: "${CSPR_HUB_TOKEN:?set CSPR_HUB_TOKEN (cspr-hub token, or examples/get_token.sh)}"
TODAY="$(TZ=Europe/London date +%F)"
KEY="${IDEMPOTENCY_KEY:-$(cat /proc/sys/kernel/random/uuid 2>/dev/null || date +%s%N)}"

curl -sS --fail-with-body "$URL" \
  -H "authorization: Bearer $CSPR_HUB_TOKEN" \
  -H 'content-type: application/json' \
  --data-binary @- <<JSON
{"query": "mutation Notify(\$input: NotifySeriousIncidentInput!) { notifySeriousIncident(input: \$input) { case { id reference } notification { dueOn onTime } errors { code field message } } }",
 "variables": {"input": {
   "child": {"firstName": "Invented", "lastName": "Child", "sex": "FEMALE", "lookedAfter": false, "onChildProtectionPlan": false},
   "incident": {"kind": "SERIOUS_HARM", "occurredOn": "$TODAY", "awareOn": "$TODAY",
     "abuseOrNeglect": "SUSPECTED", "location": "IN_AREA", "summary": "Example incident; neglect suspected."},
   "idempotencyKey": "$KEY"}}}
JSON
echo
