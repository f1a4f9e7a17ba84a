"""The statutory core of the hub: Working Together 2018, chapter 4, as code.

Nothing in this package knows about HTTP, GraphQL or tokens. Every rule cites
the paragraph of the guidance it implements (see ``hub.statute``).
"""
