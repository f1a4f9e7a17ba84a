"""Whether text meant for publication names a child of the case (para 39).

"The safeguarding partners should ensure that reports are written in such a way
so that what is published avoids harming the welfare of any children." The hub
looks for each child's first name, last name and date of birth (in the ways
dates are written in England) in every text that may be published. What it
found is said by kind ("first name"), never by value: the error must not
repeat the name it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hub.errors import Problem
from hub.statute import rule

MIN_NAME = 2  # a single letter is an initial, not a name


@dataclass(frozen=True)
class Identity:
    """What identifies one child: as held on the case (``hub.models.Child``)."""

    first_name: str | None
    last_name: str | None
    date_of_birth: date | None


def _date_forms(day: date) -> list[str]:
    month, short = day.strftime("%B"), day.strftime("%b")
    d, m, y = day.day, day.month, day.year
    suffix = "th" if 11 <= d % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    forms = [day.isoformat(), f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y}", f"{d:02d}.{m:02d}.{y}", f"{d:02d}-{m:02d}-{y}",
             f"{d}.{m}.{y}", f"{d}-{m}-{y}", f"{d:02d}/{m:02d}/{y % 100:02d}"]
    for name in (month, short):
        forms += [f"{d} {name} {y}", f"{d}{suffix} {name} {y}", f"{d}{suffix} of {name} {y}", f"{name} {d}, {y}",
                  f"{name} {d} {y}", f"{name} {d}{suffix}, {y}"]
    return forms


def _pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(part) for part in phrase.split())
    return re.compile(rf"(?<![\w]){words}(?![\w])", re.IGNORECASE)


def _marks(children: Iterable[Identity]) -> list[tuple[str, re.Pattern[str]]]:
    marks: list[tuple[str, re.Pattern[str]]] = []
    for child in children:
        for kind, value in (("first name", child.first_name), ("last name", child.last_name)):
            if value and len(value.strip()) >= MIN_NAME:
                marks.append((kind, _pattern(value.strip())))
        if child.date_of_birth is not None:
            marks += [("date of birth", _pattern(form)) for form in _date_forms(child.date_of_birth)]
    return marks


@rule("report-names-child", "para 39",
      "text for publication that names a child of the case (first or last name, date of birth) is refused "
      "unless a justification for naming is recorded")
def naming_problems(texts: Sequence[tuple[tuple[str, ...], str | None]], children: Sequence[Identity], *,
                    justification: str | None, override: str | None = None, basis: str = "para 39") -> list[Problem]:
    """One problem per text that names a child, unless naming is justified (``override`` names the field that
    records why; without one, naming is never allowed)."""
    if justification is not None and justification.strip():
        return []
    marks = _marks(children)
    problems = []
    for path, text in texts:
        if not text:
            continue
        found = sorted({kind for kind, pattern in marks if pattern.search(text)})
        if found:
            remedy = f"remove it, or give {override} to record why naming is justified" if override else "remove it"
            problems.append(Problem("NAMES_CHILD", path,
                                    f"the text gives a child's {' and '.join(found)}; {remedy} ({basis})"))
    return problems
