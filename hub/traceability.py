"""Which tests name which statutory rule: ``@pytest.mark.rule("id")`` in the test files."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

MARK = re.compile(r"""@pytest\.mark\.rule\(([^)]*)\)\s*\n(?:\s*@[^\n]*\n)*\s*(?:async\s+)?def\s+(\w+)""")
ID = re.compile(r"""["']([\w.-]+)["']""")


def marked_tests(folder: Path) -> dict[str, list[str]]:
    """rule id -> ["path::test_name", ...] for every test marked with it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.rglob("test_*.py")):
        text = path.read_text("utf-8")
        for args, name in MARK.findall(text):
            for rule_id in ID.findall(args):
                found[rule_id].append(f"{path.as_posix()}::{name}")
    return dict(found)
