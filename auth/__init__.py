"""Bearer tokens in, ``Principal`` out. Never touches case data.

``tokens`` holds the built-in development issuer (RFC 9068 access tokens,
signed with persisted keys, published as a JWKS) and the verifier that turns a
bearer token into a ``hub.principal.Principal``.
"""
