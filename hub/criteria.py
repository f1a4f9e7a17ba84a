"""The criteria a decision must take into account, each answered before the decision is accepted.

Para 18 (regulation 11 of the 2018 Regulations): the partners deciding on a local review; para 22
(regulation 3): the Panel deciding on a national review. Each "must take into account" criterion is
answered: whether the case meets it and how it was considered. The circumstances the guidance asks the
decision to "have regard to" may be answered too, but are not required.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from hub.case import MAX_REASON, check_text
from hub.errors import Problem
from hub.statute import rule
from hub.vocabulary import LocalReviewCriterion, NationalReviewCriterion

L, N = LocalReviewCriterion, NationalReviewCriterion

# para 18 / regulation 11(a)-(d): what the partners must take into account
LOCAL_MUST: Mapping[str, str] = {
    L.IMPROVEMENTS_NEEDED.value: "highlights or may highlight improvements needed",
    L.RECURRENT_THEMES.value: "highlights or may highlight recurrent themes",
    L.AGENCIES_WORKING_TOGETHER.value: "highlights or may highlight concerns about two or more organisations "
                                       "working together effectively",
    L.PANEL_CONSIDERS_LOCAL_REVIEW.value: "is one the Panel considered and concluded a local review may be more "
                                          "appropriate",
}
# para 22 / regulation 3(a)-(c): what the Panel must take into account
NATIONAL_MUST: Mapping[str, str] = {
    N.IMPROVEMENTS_NEEDED.value: "highlights or may highlight improvements needed",
    N.LEGISLATION_OR_GUIDANCE_CHANGE.value: "raises or may raise issues requiring legislative change or changes "
                                            "to guidance",
    N.RECURRENT_THEMES.value: "highlights or may highlight recurrent themes",
}


@dataclass(frozen=True)
class Considered:
    """One criterion answered: whether the case meets it, and how that was considered."""

    criterion: str
    met: bool
    how: str

    def as_row(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "met": self.met, "how": self.how}


def _entry_problems(considered: tuple[Considered, ...], known: type[Enum], basis: str) -> list[Problem]:
    names = {c.value for c in known}
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, entry in enumerate(considered):
        path = ("input", "criteriaConsidered", str(i))
        if entry.criterion not in names:
            problems.append(Problem("UNKNOWN_CRITERION", (*path, "criterion"),
                                    f"{entry.criterion!r} is not a {basis} criterion or circumstance; "
                                    f"one of {sorted(names)}"))
        elif entry.criterion in seen:
            problems.append(Problem("CRITERION_ANSWERED_TWICE", (*path, "criterion"),
                                    f"{entry.criterion} is answered more than once"))
        seen.add(entry.criterion)
        problems += check_text(entry.how, (*path, "how"), required=True, limit=MAX_REASON)
    return problems


def _unanswered(considered: tuple[Considered, ...], must: Mapping[str, str], who: str, basis: str) -> list[Problem]:
    answered = {c.criterion for c in considered}
    return [Problem("CRITERION_NOT_ADDRESSED", ("input", "criteriaConsidered"),
                    f"{basis}: {who} must take into account whether the case {text} ({name}): "
                    "answer it in criteriaConsidered, met or not and how it was considered")
            for name, text in must.items() if name not in answered]


def _contradictions(considered: tuple[Considered, ...], met: tuple[str, ...]) -> list[Problem]:
    not_met = {c.criterion for c in considered if not c.met}
    return [Problem("CRITERION_CONTRADICTED", ("input", "criteria", str(i)),
                    f"{name} is listed as met in criteria but answered as not met in criteriaConsidered")
            for i, name in enumerate(met) if name in not_met]


def _problems(considered: tuple[Considered, ...], met: tuple[str, ...], *, known: type[Enum],
              must: Mapping[str, str], who: str, basis: str) -> list[Problem]:
    unanswered = _unanswered(considered, must, who, basis) if must else []
    return _entry_problems(considered, known, basis) + unanswered + _contradictions(considered, met)


@rule("rapid-review-criteria", "para 18; regulation 11",
      "the partners' decision on a local review answers each criterion they must take into account (met or "
      "not, and how it was considered) before the rapid review is accepted")
def local_review_problems(considered: tuple[Considered, ...], met: tuple[str, ...]) -> list[Problem]:
    return _problems(considered, met, known=LocalReviewCriterion, must=LOCAL_MUST, who="the partners",
                     basis="para 18")


@rule("panel-response-criteria", "para 22; regulation 3",
      "every Panel decision on a national review (all outcomes but FURTHER_INFORMATION_REQUIRED) answers each "
      "criterion the Panel must take into account (met or not, and how it was considered)")
def national_review_problems(considered: tuple[Considered, ...], met: tuple[str, ...], *,
                             deciding: bool) -> list[Problem]:
    return _problems(considered, met, known=NationalReviewCriterion, must=NATIONAL_MUST if deciding else {},
                     who="the Panel", basis="para 22")


def met_criteria(considered: Iterable[Considered], met: tuple[str, ...]) -> list[str]:
    """The criteria found met: those listed as met and those answered as met, each once."""
    return list(dict.fromkeys([*met, *(c.criterion for c in considered if c.met)]))


def rows(considered: tuple[Considered, ...]) -> list[dict[str, Any]]:
    return [c.as_row() for c in considered]
