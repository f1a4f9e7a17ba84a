"""Which operation of a document runs: with several, the caller names one (GraphQL spec, GetOperation)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension


class OperationMustBeNamed(SchemaExtension):
    """A document of several operations without ``operationName`` is a request error, never its first
    operation run by default (the spec's GetOperation: "Must provide operation name")."""

    def on_execute(self) -> Iterator[None]:
        run = self.execution_context
        document = run.graphql_document
        # ``run.operation_name`` falls back to the first operation's name; what the caller sent is kept apart.
        if getattr(run, "_provided_operation_name", None) is None and document is not None:
            operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
            if operations > 1:
                raise GraphQLError(
                    f"The document holds {operations} operations: name the one to run in operationName.",
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED"})
        yield
