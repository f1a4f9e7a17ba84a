"""Strawberry types, inputs, enums and errors: shapes only.

A nested field is one line that asks ``info.context.loaders``; this package
never imports ``resolvers/``. The root types live in ``resolvers/`` and the
schema object is built by ``schema.build``... see ``resolvers.build_schema``.
"""
