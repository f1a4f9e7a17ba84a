"""Everything that leaves the process over HTTP: webhook delivery now; agency systems later.

Calls leave only from the delivery worker, never inside a request.
"""
