"""Everything that leaves the process over HTTP: webhook delivery and connectors to agency systems.

Calls leave only from the outbox worker, never inside a request.
"""
