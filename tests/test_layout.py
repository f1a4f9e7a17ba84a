"""The shape of the codebase: imports point one way; the committed schema is current;
every statutory rule has a test that names it."""

from __future__ import annotations

import ast
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
    assert committed == printed, "schema.graphql is stale: run `cspr-hub schema print`"


def test_every_statutory_rule_is_named_by_a_test() -> None:
    named = marked_tests(ROOT / "tests")
    missing = [rule.id for rule in all_rules() if rule.id not in named]
    assert not missing, f"rules without a test: {missing}"


def test_every_rule_cites_its_basis() -> None:
    for rule in all_rules():
        assert rule.basis.strip() and rule.text.strip(), rule.id
