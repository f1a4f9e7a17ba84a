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
import unicodedata
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


def _fold(text: str) -> str:
    """Case and accents set aside: "Zoë" is found written "zoe"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


SEP = r"(?:\s*[,.\-/]\s*|\s+)(?:of\s+)?"


def _date_pattern(day: date) -> re.Pattern[str]:
    """The ways a date of birth is written: 4 March 2019, 4th of Mar. 2019, March 4th, 2019, 04/03/19, 2019-03-04."""
    d, m = day.day, day.month
    dd = rf"0?{d}(?:st|nd|rd|th)?"
    month = rf"(?:{_fold(day.strftime('%B'))}|{_fold(day.strftime('%b'))}\.?)"
    year = rf"(?:{day.year}|'?{day.year % 100:02d})"
    forms = [rf"{dd}{SEP}{month}{SEP}{year}", rf"{month}{SEP}{dd}{SEP}{year}",
             rf"0?{d}([/.\-])0?{m}\1{year}", rf"{day.year}-0?{m}-0?{d}"]
    return re.compile(rf"(?<![\w])(?:{'|'.join(forms)})(?![\w])")


def _pattern(phrase: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(part) for part in _fold(phrase).split())
    return re.compile(rf"(?<![\w]){words}(?![\w])")


def _marks(children: Iterable[Identity]) -> list[tuple[str, re.Pattern[str]]]:
    marks: list[tuple[str, re.Pattern[str]]] = []
    for child in children:
        for kind, value in (("first name", child.first_name), ("last name", child.last_name)):
            if value and len(value.strip()) >= MIN_NAME:
                marks.append((kind, _pattern(value.strip())))
        if child.date_of_birth is not None:
            marks.append(("date of birth", _date_pattern(child.date_of_birth)))
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
        folded = _fold(text)
        found = sorted({kind for kind, pattern in marks if pattern.search(folded)})
        if found:
            remedy = f"remove it, or give {override} to record why naming is justified" if override else "remove it"
            problems.append(Problem("NAMES_CHILD", path,
                                    f"the text gives a child's {' and '.join(found)}; {remedy} ({basis})"))
    return problems
