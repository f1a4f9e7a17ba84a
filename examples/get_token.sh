#!/usr/bin/env bash
# Get an access token for the hub: OAuth2 client credentials (RFC 6749 section 4.4).
#
# The hub's operator registers your system once, for one organisation and one role:
#
#   cspr-hub clients create --org E09000007 --role la --name "Council case system"
#   client_id: cspr_...
#   client_secret: ...          (shown once: keep it in your secret store)
#
# Then your system asks for a token (at most an hour long) whenever it needs one:
#
#   export CSPR_CLIENT_ID=cspr_... CSPR_CLIENT_SECRET=...
#   export CSPR_HUB_TOKEN=$(examples/get_token.sh)
#
# It reads CSPR_HUB_URL, the hub's address (default http://127.0.0.1:8000), and prints the
# token alone. The token's organisation and role are the client's: they are not arguments.
#
# A system that would rather not hold a shared secret registers a public key instead
# (`cspr-hub clients create ... --jwks keys.json`) and authenticates with a signed
# assertion (private_key_jwt, RFC 7523). For local development only, the development
# issuer mints a token without a client: `export CSPR_HUB_TOKEN=$(cspr-hub token --org E09000007 --role la)`.
set -euo pipefail

BASE="${CSPR_HUB_URL:-http://127.0.0.1:8000}"
BASE="${BASE%/}"
BASE="${BASE%/graphql}"
: "${CSPR_CLIENT_ID:?set CSPR_CLIENT_ID}" "${CSPR_CLIENT_SECRET:?set CSPR_CLIENT_SECRET}"

curl -sS --fail-with-body "$BASE/oauth/token" \
  -u "$CSPR_CLIENT_ID:$CSPR_CLIENT_SECRET" \
  -d grant_type=client_credentials \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
