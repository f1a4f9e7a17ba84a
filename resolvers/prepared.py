"""Documents prepared once: parsed, validated and their operation chosen, then run straight on graphql-core.

A poll asks the same document again and again. The first time, it takes strawberry's whole path (parse,
validate, choose the operation, weigh, observe, execute: each step a schema extension), and if every step
before execution passed, the document is remembered here. After that, ``HubSchema.execute`` weighs it
(``resolvers.cost``), observes it and runs it on graphql-core directly: the same checks, the same
executor, the same errors, without building the extensions again for every request. Anything else (a
document not seen, an error before execution, a document over its cost) takes the whole path, which answers
as it always has. Bounded (least recently used out), like the parser and validation caches beside it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    specified_rules,
)
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType


@dataclass(frozen=True)
class Prepared:
    """A document that parsed and validated, and the one operation in it that runs."""

    document: DocumentNode
    operation_name: str | None  # the name sent, else the first operation's (what strawberry runs)
    operation_type: OperationType  # strawberry's, as the allowed types are given


class PreparedDocuments:
    """Documents that passed every check before execution, keyed by their text and the operation name sent; and
    those that did not (None), so that a document refused again is not parsed and validated here again."""

    def __init__(self, schema: Callable[[], GraphQLSchema], rules: Sequence[type[ASTValidationRule]], *,
                 max_tokens: int, size: int) -> None:
        self.schema, self.rules = schema, (*specified_rules, *rules)
        self.max_tokens, self.size = max_tokens, size
        self.entries: OrderedDict[tuple[str, str | None], Prepared | None] = OrderedDict()

    def get(self, query: str | None, operation_name: str | None) -> Prepared | None:
        if not query:
            return None
        found = self.entries.get((query, operation_name))
        if found is not None:
            self.entries.move_to_end((query, operation_name))
        return found

    def learn(self, query: str | None, operation_name: str | None) -> None:
        """Remember whether a document passes every check before execution (once: a refused one is not checked
        again each time it is sent)."""
        if not query or (query, operation_name) in self.entries:
            return
        self.entries[(query, operation_name)] = prepare(self.schema(), self.rules, query, operation_name,
                                                        max_tokens=self.max_tokens)
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


def prepare(schema: GraphQLSchema, rules: Collection[type[ASTValidationRule]], query: str,
            operation_name: str | None, *, max_tokens: int) -> Prepared | None:
    """The document ready to run, or None when anything before execution would refuse it: it does not parse
    within ``max_tokens``, fails a validation rule, or names no operation it holds (with several operations,
    ``operationName`` is required: ``resolvers.operation_choice``)."""
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    if validate_document(schema, document, tuple(rules)):  # strawberry's own: its rules (oneOf, Maybe) too
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        chosen = operations[0] if len(operations) == 1 else None
    else:
        chosen = next((o for o in operations if o.name and o.name.value == operation_name), None)
    if chosen is None:
        return None
    name = chosen.name.value if chosen.name else None
    return Prepared(document, name, OperationType(chosen.operation.value))
