"""The shape of the codebase: imports point one way; the committed schema is current;
every statutory rule has a test that names it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from hub.statute import all_rules
from hub.traceability import marked_tests

ROOT = Path(__file__).resolve().parent.parent

# What each package may import (ARCHITECTURE.md: imports point down the picture).
ALLOWED = {
    "hub": {"hub"},
    "auth": {"auth", "hub"},
    "schema": {"schema", "hub"},
    "resolvers": {"resolvers", "schema", "hub"},
    "connectors": {"connectors", "hub"},
    "migrations": {"migrations", "hub"},
}
PROJECT = {"app", "hub", "auth", "schema", "resolvers", "connectors", "migrations"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    wrong = {
        f"{path.relative_to(ROOT)} imports {sorted(imported_packages(path) - ALLOWED[package])}"
        for path in (ROOT / package).rglob("*.py")
        if imported_packages(path) - ALLOWED[package]
    }
    assert not wrong, wrong


def test_the_console_is_a_thin_adapter_beside_resolvers() -> None:
    # ARCHITECTURE.md: console/ calls hub/ (and auth/ for who may act in which role); it never imports
    # resolvers/ or schema/, nor the rest of app/, so no rule can hide in it
    wrong = {}
    for path in (ROOT / "app" / "console").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
        bad = {m for m in modules if m.split(".")[0] in PROJECT and not m.startswith(("hub", "auth", "app.console"))}
        if bad:
            wrong[path.name] = sorted(bad)
    assert not wrong, wrong


def test_the_core_imports_no_adapter_or_web_framework() -> None:
    banned = {"strawberry", "starlette", "httpx2", "uvicorn", "typer", "auth", "schema", "resolvers", "app"}
    for path in (ROOT / "hub").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            assert not {n.split(".")[0] for n in names} & banned, f"{path.name} imports {names}"


def test_committed_schema_graphql_is_the_printed_schema() -> None:
    from resolvers import build_schema

    printed = build_schema().as_str() + "\n"
    committed = (ROOT / "schema.graphql").read_text("utf-8")
    assert committed == printed, "schema.graphql is stale: run `cspr-hub schema print --output schema.graphql`"


def rules_written_in_the_core() -> set[str]:
    """Every rule id the source of ``hub/`` registers: ``@rule("id", ...)`` and routing rows ``Route("id", ...)``."""
    found: set[str] = set()
    for path in (ROOT / "hub").rglob("*.py"):
        text = path.read_text("utf-8")
        found |= set(re.findall(r'@rule\(\s*"([\w.-]+)"', text)) | set(re.findall(r'\bRoute\(\s*"([\w.-]+)"', text))
    return found


def test_the_registry_finds_every_rule_written_in_the_core() -> None:
    # the registry scans the hub package: a rule in a new module is listed by `cspr-hub rules` and needs a test
    written = rules_written_in_the_core()
    assert len(written) > 130
    assert written <= {rule.id for rule in all_rules()}


def test_every_statutory_rule_is_named_by_a_test() -> None:
    named = marked_tests(ROOT / "tests")
    missing = [rule.id for rule in all_rules() if rule.id not in named]
    assert not missing, f"rules without a test: {missing}"


def test_every_rule_cites_its_basis() -> None:
    for rule in all_rules():
        assert rule.basis.strip() and rule.text.strip(), rule.id


FEDERATION_BUILT_INS = {"_Any", "_Service", "_Entity", "_FieldSet", "link__Purpose", "link__Import"}


def undocumented() -> list[str]:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

    from resolvers import build_schema

    missing = []
    for name, named in build_schema()._schema.type_map.items():
        if name.startswith("__") or name in FEDERATION_BUILT_INS or name in ("String", "Int", "Boolean", "ID", "Float"):
            continue
        if not named.description:
            missing.append(f"type {name}")
        if isinstance(named, GraphQLObjectType):
            for field_name, field in named.fields.items():
                if field_name in ("_entities", "_service"):
                    continue
                missing += [f"{name}.{field_name}"] if not field.description else []
                missing += [f"{name}.{field_name}({a})" for a, arg in field.args.items() if not arg.description]
        elif isinstance(named, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in named.fields.items() if not field.description]
        elif isinstance(named, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in named.values.items() if not value.description]
    return missing


def test_every_type_field_argument_and_enum_value_is_documented() -> None:
    assert undocumented() == []


def test_every_field_that_needs_a_role_says_which() -> None:
    from resolvers import build_schema

    schema = build_schema()._schema
    public = {"addWorkingDays", "_entities", "_service", "publishedReports", "reviewerPool"}
    for root in ("Query", "Mutation", "Subscription"):
        for name, field in schema.type_map[root].fields.items():  # type: ignore[attr-defined]
            if name not in public:
                assert "Roles:" in (field.description or ""), f"{root}.{name}"
