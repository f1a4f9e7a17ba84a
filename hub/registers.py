"""Official register lookups (ONS) read as reference data.

Operators refresh codes (after an ICB merger, say) from the ONS lookup CSVs.
A file is accepted when its header has:

* a local-authority code column ``LADyyCD``, ``UTLAyyCD``, ``CTYUAyyCD`` or
  ``LTLAyyCD`` (an upper-tier column is preferred when there are several), and
* a police force area column ``PFAyyCD`` and/or an integrated care board
  column ``ICByyCD``,

each code column with its name column beside it (``LAD23NM``, ``PFA23NM``,
``ICB23NM``). Other columns (``ObjectId``, ``SICBL23CD``, ``ICB23CDH``,
``NHSER23CD`` ...) are ignored; a UTF-8 byte order mark is tolerated. A region
name column ``RGNyyNM``, when present, gives each local authority its ONS
region (national statistics by region). Examples::

    LAD23CD,LAD23NM,PFA23CD,PFA23NM,ObjectId
    LAD23CD,LAD23NM,SICBL23CD,SICBL23CDH,SICBL23NM,ICB23CD,ICB23CDH,ICB23NM,...

Each English local authority becomes a LOCAL_AUTHORITY organisation with one
partnership, ``SCP-<code>`` "<name> Safeguarding Children Partnership" (City of
London and Hackney share theirs), whose members are the authority and the
police force area (POLICE) and ICB (HEALTH) the file gives for it. Police force
areas are named after their force ("West Midlands" -> "West Midlands Police");
ICB names are kept as given. Memberships start on 1 April of the year in the
column suffix (``23`` -> 2023-04-01) unless told otherwise.

Skipped: rows whose codes are not English (``W``, ``S``, ``N``), and
non-metropolitan districts (``E07``), which are not children's services
authorities; their police force area and ICB are still read. Repeated rows
collapse. A row missing a code or a name raises ReferenceDataError naming its line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from hub.reference_data import MembershipRow, OrganisationRow, ReferenceData, ReferenceDataError
from hub.vocabulary import OrganisationKind

# Upper tier first: a lookup that carries both a district and a county column
# is read at the level safeguarding partnerships are formed.
_LA_PREFIXES = ("CTYUA", "UTLA", "LAD", "LTLA")
_LA_COLUMN = re.compile(r"^(LAD|UTLA|CTYUA|LTLA)(\d{2})CD$")
_PFA_COLUMN = re.compile(r"^PFA(\d{2})CD$")
_ICB_COLUMN = re.compile(r"^ICB(\d{2})CD$")
_REGION_COLUMN = re.compile(r"^RGN(\d{2})NM$")

# Partnerships that cover more than one local authority.
JOINT_PARTNERSHIPS: dict[str, tuple[str, str]] = {
    "E09000001": ("SCP-CITY-HACKNEY", "City and Hackney Safeguarding Children Partnership"),
    "E09000012": ("SCP-CITY-HACKNEY", "City and Hackney Safeguarding Children Partnership"),
}

# Forces whose name is not "<police force area> Police".
_FORCE_NAMES: dict[str, str] = {
    "E23000001": "Metropolitan Police Service",
    "E23000030": "Hampshire and Isle of Wight Constabulary",
    "E23000034": "City of London Police",
    "E23000035": "Devon and Cornwall Police",
}
# Forces called "<police force area> Constabulary".
_CONSTABULARIES = frozenset(
    {
        "E23000002",  # Cumbria
        "E23000003",  # Lancashire
        "E23000006",  # Cheshire
        "E23000008",  # Durham
        "E23000018",  # Derbyshire
        "E23000023",  # Cambridgeshire
        "E23000024",  # Norfolk
        "E23000025",  # Suffolk
        "E23000027",  # Hertfordshire
        "E23000037",  # Gloucestershire
    }
)


@dataclass(frozen=True)
class _Column:
    """A code column, its name column, and the year its suffix encodes."""

    code: int
    name: int
    label: str
    year: int


@dataclass(frozen=True)
class _Layout:
    la: _Column
    partners: tuple[tuple[_Column, OrganisationKind], ...]
    region: int | None = None  # the index of the RGNyyNM column, when there is one

    @property
    def year(self) -> int:
        return max(c.year for c in (self.la, *(p for p, _ in self.partners)))


@dataclass
class _Collected:
    organisations: dict[str, OrganisationRow] = field(default_factory=dict)
    partnerships: dict[str, tuple[str, list[str]]] = field(default_factory=dict)


def _clean(header: list[str]) -> list[str]:
    return [h.strip().lstrip("\ufeff").strip().upper() for h in header]


def _matching(header: list[str], pattern: re.Pattern[str]) -> list[str]:
    return [h for h in header if pattern.match(h)]


def is_register_layout(header: list[str]) -> bool:
    """Whether the header is an ONS lookup of local authorities to PFAs and/or ICBs."""
    cleaned = _clean(header)
    has_la = bool(_matching(cleaned, _LA_COLUMN))
    return has_la and bool(_matching(cleaned, _PFA_COLUMN) or _matching(cleaned, _ICB_COLUMN))


def force_name(code: str, area: str) -> str:
    """The force's name for a police force area as ONS names it."""
    if code in _FORCE_NAMES:
        return _FORCE_NAMES[code]
    if area.endswith(("Police", "Constabulary")):
        return area
    return f"{area} {'Constabulary' if code in _CONSTABULARIES else 'Police'}"


def _column(header: list[str], label: str) -> _Column:
    name_label = label[:-2] + "NM"
    if name_label not in header:
        raise ReferenceDataError(f"line 1: {label} has no name column {name_label}")
    year = 2000 + int(re.sub(r"\D", "", label))
    return _Column(header.index(label), header.index(name_label), label, year)


def _tier(label: str) -> int:
    match = _LA_COLUMN.match(label)
    return _LA_PREFIXES.index(match.group(1)) if match else len(_LA_PREFIXES)


def _layout(header: list[str]) -> _Layout:
    cleaned = _clean(header)
    found = _matching(cleaned, _LA_COLUMN)
    if not found:
        raise ReferenceDataError("line 1: no local authority code column (LADyyCD, UTLAyyCD ...)")
    la = min(found, key=_tier)
    partners = tuple(
        (_column(cleaned, label), kind)
        for pattern, kind in (
            (_PFA_COLUMN, OrganisationKind.POLICE),
            (_ICB_COLUMN, OrganisationKind.HEALTH),
        )
        for label in _matching(cleaned, pattern)[:1]
    )
    if not partners:
        raise ReferenceDataError("line 1: no police force area (PFAyyCD) or ICB (ICByyCD) column")
    regions = _matching(cleaned, _REGION_COLUMN)
    return _Layout(_column(cleaned, la), partners, cleaned.index(regions[0]) if regions else None)


def _value(row: list[str], index: int, label: str, line: int) -> str:
    value = row[index].strip() if index < len(row) else ""
    if not value:
        raise ReferenceDataError(f"line {line}: {label} is empty")
    return value


def _organisation(
    row: list[str], column: _Column, kind: OrganisationKind, line: int
) -> OrganisationRow:
    code = _value(row, column.code, column.label, line)
    name = _value(row, column.name, column.label[:-2] + "NM", line)
    if kind is OrganisationKind.POLICE:
        name = force_name(code, name)
    return OrganisationRow(code, name, kind)


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    next(reader, None)
    for row in reader:
        if any(cell.strip() for cell in row):
            yield reader.line_num, row


def _partnership_of(la: OrganisationRow) -> tuple[str, tuple[str, list[str]]]:
    """The partnership code, and its name with (as yet) no members."""
    code, name = JOINT_PARTNERSHIPS.get(
        la.code, (f"SCP-{la.code}", f"{la.name} Safeguarding Children Partnership")
    )
    return code, (name, [])


def _add_row(found: _Collected, layout: _Layout, row: list[str], line: int) -> None:
    la = _organisation(row, layout.la, OrganisationKind.LOCAL_AUTHORITY, line)
    if not la.code.startswith("E"):
        return
    if layout.region is not None and layout.region < len(row) and row[layout.region].strip():
        la = replace(la, region=row[layout.region].strip())
    partners = [_organisation(row, column, kind, line) for column, kind in layout.partners]
    partners = [p for p in partners if p.code.startswith("E")]
    for org in partners:
        found.organisations.setdefault(org.code, org)
    if la.code.startswith("E07"):
        return
    found.organisations.setdefault(la.code, la)
    members = found.partnerships.setdefault(*_partnership_of(la))[1]
    for member in (la.code, *(p.code for p in partners)):
        if member not in members:
            members.append(member)


def parse_register(text: str, effective_from: date | None = None) -> ReferenceData:
    """Organisations and one partnership per English local authority from an ONS lookup."""
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    layout = _layout(header)
    found = _Collected()
    for line, row in _rows(text):
        _add_row(found, layout, row, line)
    start = effective_from or date(layout.year, 4, 1)
    memberships = tuple(
        MembershipRow(code, name, member, start)
        for code, (name, members) in found.partnerships.items()
        for member in members
    )
    complete = frozenset({OrganisationKind.LOCAL_AUTHORITY, *(kind for _, kind in layout.partners)})
    return ReferenceData(tuple(found.organisations.values()), memberships, complete_kinds=complete)
