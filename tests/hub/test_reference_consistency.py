"""The shipped reference files agree with themselves: every English children's services authority,
each in one current partnership with its police force and its integrated care board (no database)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date
from importlib import resources
from itertools import pairwise

import pytest

from hub.reference_data import MembershipRow, ReferenceData, ReferenceDataError, parse_file, shipped
from hub.vocabulary import OrganisationKind as Kind

AUTHORITIES_IN_ENGLAND = 153
REGIONS = {
    "North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West",
}
GSS = {
    Kind.LOCAL_AUTHORITY: re.compile(r"^E(06|08|09|10)\d{6}$"),
    Kind.POLICE: re.compile(r"^E23\d{6}$"),
    Kind.HEALTH: re.compile(r"^E54\d{6}$"),
}
PARTNER_KINDS = (Kind.LOCAL_AUTHORITY, Kind.POLICE, Kind.HEALTH)
# Partnerships of one authority whose area lies in two ICBs and that publish both boards as partners
# (Children Act 2004 s16E: an ICB "for an area any part of which falls within" the authority's area).
SPANS_TWO_ICBS = {
    # Westmorland and Furness: Eden is in North East and North Cumbria, the rest in Lancashire and
    # South Cumbria. Sources: the partnership's "About us" page (wfscp.org.uk) names both ICBs; the ONS
    # LSOA (2021) to sub-ICB location to ICB (2024) lookup puts 36 of its 142 LSOAs in E54000050.
    "SCP-E06000064": ("E54000048", "E54000050"),
}
# Days the data changes on, and one after the last change (the tests' clock).
DAYS = [date(2022, 7, 1), date(2023, 3, 31), date(2023, 4, 1), date(2023, 8, 31), date(2023, 9, 1),
        date(2024, 7, 16), date(2024, 7, 17), date(2025, 3, 31), date(2025, 4, 1), date(2026, 3, 31),
        date(2026, 4, 1), date(2026, 12, 22)]


@pytest.fixture(scope="module")
def data() -> ReferenceData:
    return shipped()


@pytest.fixture(scope="module")
def kinds(data: ReferenceData) -> dict[str, Kind]:
    return {o.code: o.kind for o in data.organisations}


@pytest.fixture(scope="module")
def regions() -> dict[str, str]:
    text = (resources.files("hub") / "reference" / "organisations.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["code", "name", "kind", "region"]
    return {r["code"]: r["region"] for r in rows}


def authorities(kinds: dict[str, Kind]) -> set[str]:
    return {c for c, k in kinds.items() if k is Kind.LOCAL_AUTHORITY}


def on(rows: tuple[MembershipRow, ...], day: date) -> dict[str, set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for m in rows:
        if m.effective_from <= day and (m.effective_to is None or day <= m.effective_to):
            members[m.partnership_code].add(m.member_code)
    return members


def current(rows: tuple[MembershipRow, ...]) -> dict[str, set[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for m in rows:
        if m.effective_to is None:
            members[m.partnership_code].add(m.member_code)
    return members


def test_there_are_exactly_153_local_authorities(kinds: dict[str, Kind]) -> None:
    assert len(authorities(kinds)) == AUTHORITIES_IN_ENGLAND


def test_the_2023_reorganisations_and_the_2025_recodes_are_in(kinds: dict[str, Kind]) -> None:
    new = {"E06000063", "E06000064", "E06000065", "E06000066", "E08000038", "E08000039"}
    gone = {"E10000006", "E10000023", "E10000027", "E08000016", "E08000019"}  # Cumbria, N Yorks, Somerset; old codes
    assert new <= authorities(kinds)
    assert not gone & set(kinds)


def test_every_gss_code_is_well_formed_for_its_kind(data: ReferenceData) -> None:
    wrong = [(o.code, o.kind) for o in data.organisations if o.kind in GSS and not GSS[o.kind].match(o.code)]
    assert wrong == []


def test_codes_are_unique(data: ReferenceData) -> None:
    codes = [o.code for o in data.organisations]
    assert len(codes) == len(set(codes))


def test_every_local_authority_has_a_region_among_the_nine_and_nothing_else_has_one(
    kinds: dict[str, Kind], regions: dict[str, str]
) -> None:
    assert {c: regions[c] for c in authorities(kinds) if regions[c] not in REGIONS} == {}
    assert {c: r for c, r in regions.items() if kinds[c] is not Kind.LOCAL_AUTHORITY and r} == {}
    assert {r for c, r in regions.items() if kinds[c] is Kind.LOCAL_AUTHORITY} == REGIONS


def test_no_member_code_dangles_and_only_partners_are_members(
    data: ReferenceData, kinds: dict[str, Kind]
) -> None:
    assert {m.member_code for m in data.memberships} - set(kinds) == set()
    assert {kinds[m.member_code] for m in data.memberships} <= set(PARTNER_KINDS)


def test_dates_run_forwards_and_no_membership_periods_overlap(data: ReferenceData) -> None:
    assert all(m.effective_to is None or m.effective_to >= m.effective_from for m in data.memberships)
    spans: dict[tuple[str, str], list[MembershipRow]] = defaultdict(list)
    for m in data.memberships:
        spans[(m.partnership_code, m.member_code)].append(m)
    for key, rows in spans.items():
        rows.sort(key=lambda m: m.effective_from)
        for before, after in pairwise(rows):
            assert before.effective_to is not None and before.effective_to < after.effective_from, key


def test_each_partnership_has_one_name(data: ReferenceData) -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for m in data.memberships:
        names[m.partnership_code].add(m.partnership_name)
    assert {code: n for code, n in names.items() if len(n) != 1} == {}


def test_every_authority_is_in_exactly_one_current_partnership(
    data: ReferenceData, kinds: dict[str, Kind]
) -> None:
    holding: dict[str, list[str]] = defaultdict(list)
    for code, members in current(data.memberships).items():
        for member in members:
            holding[member].append(code)
    assert {la: holding[la] for la in authorities(kinds) if len(holding[la]) != 1} == {}


def test_a_current_partnership_has_one_police_force_and_one_icb_for_each_authority_area(
    data: ReferenceData, kinds: dict[str, Kind]
) -> None:
    # one force and one ICB for a single authority; a joint partnership may have one of each per authority
    # (City and Hackney: the Metropolitan Police and City of London Police). An authority whose area lies in
    # two ICBs, and whose partnership publishes both as its partners, has both (SPANS_TWO_ICBS).
    for code, members in current(data.memberships).items():
        count = {k: sum(kinds[m] is k for m in members) for k in PARTNER_KINDS}
        las = count[Kind.LOCAL_AUTHORITY]
        icbs = len(SPANS_TWO_ICBS.get(code, ())) or 1
        assert las >= 1, code
        assert 1 <= count[Kind.POLICE] <= las, (code, count)
        assert 1 <= count[Kind.HEALTH] <= las * icbs, (code, count)
        if las == 1:
            assert (count[Kind.POLICE], count[Kind.HEALTH]) == (1, icbs), code


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_on_any_day_an_authority_is_in_at_most_one_partnership_and_each_has_partners(
    data: ReferenceData, kinds: dict[str, Kind], day: date
) -> None:
    holding: dict[str, list[str]] = defaultdict(list)
    for code, members in on(data.memberships, day).items():
        found = {kinds[m] for m in members}
        assert found == set(PARTNER_KINDS), (code, day)
        for member in members:
            holding[member].append(code)
    assert {la: c for la, c in holding.items() if kinds[la] is Kind.LOCAL_AUTHORITY and len(c) > 1} == {}


def test_every_force_and_icb_shipped_is_or_was_a_member(data: ReferenceData, kinds: dict[str, Kind]) -> None:
    used = {m.member_code for m in data.memberships}
    assert {c for c, k in kinds.items() if k in (Kind.POLICE, Kind.HEALTH)} - used == set()


def test_april_2026_footprints_replace_the_boards_they_merge(data: ReferenceData) -> None:
    # e.g. Hertfordshire moves to Central East, Essex to Essex, Surrey to Surrey and Sussex (1 April 2026)
    expected = {"SCP-E10000015": ("E54000025", "E54000065"), "SCP-E10000012": ("E54000026", "E54000066"),
                "SCP-E10000029": ("E54000023", "E54000068"), "SCP-E10000030": ("E54000063", "E54000069"),
                "SCP-E10000014": ("E54000042", "E54000067"), "SCP-BERKSHIRE-WEST": ("E54000044", "E54000070"),
                "SCP-E09000007": ("E54000028", "E54000071")}
    before, after = on(data.memberships, date(2026, 3, 31)), on(data.memberships, date(2026, 4, 1))
    for code, (old, new) in expected.items():
        assert {m for m in before[code] if m.startswith("E54")} == {old}, code
        assert {m for m in after[code] if m.startswith("E54")} == {new}, code


def test_the_shipped_organisations_file_can_be_loaded_again_with_its_region_column(data: ReferenceData) -> None:
    # `cspr-hub orgs load hub/reference/organisations.csv` reads the file the hub ships
    text = (resources.files("hub") / "reference" / "organisations.csv").read_text("utf-8")
    assert parse_file(text).organisations == data.organisations
    assert parse_file("code,name,kind\nPANEL,Panel,PANEL\n").organisations == parse_file(
        "code,name,kind,region\nPANEL,Panel,PANEL,\n").organisations
    with pytest.raises(ReferenceDataError, match="unrecognised"):
        parse_file("code,name,kind,colour\nPANEL,Panel,PANEL,red\n")


@pytest.mark.parametrize("day", [date(2025, 4, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 12, 22)], ids=str)
def test_westmorland_and_furness_is_routed_to_both_of_its_icbs(data: ReferenceData, day: date) -> None:
    # Corrected route: from 1 April 2025 the shipped file had Lancashire and South Cumbria only, so a death in
    # Eden (North East and North Cumbria ICB) reached the wrong board. Sources in SPANS_TWO_ICBS.
    partnership = "SCP-E06000064"
    assert on(data.memberships, day)[partnership] == {"E06000064", "E23000002", *SPANS_TWO_ICBS[partnership]}


# Where each authority's police force and ICB were checked (hub/reference/sources.csv; README "Sources").
# Keys name independent publishers: a row rests on two sources when it names two keys.
SOURCE_KEYS = {
    "police-act",   # Schedule 1 to the Police Act 1996 as amended: each force's counties and unitary authorities
    "ons-pfa",      # ONS local authority district (2024) to community safety partnership to police force area
    "icb-area",     # the ICB's statutory name, or the ICB's or ICS's own published list of its places/boroughs
    "ons-icb",      # ONS LSOA to sub-ICB location to ICB lookups (2022 and 2024 editions): the board holding most
    "partnership",  # the safeguarding partnership's own published list of its partners
    "merger",       # the April 2026 footprints: written ministerial statement of 9 September 2025, board pages
    "ods-2026",     # NHS ODS succession records: each dissolved board's successor(s) on 1 April 2026
    "list-2026",    # the 2026 list of English ICBs with their codes (36 boards)
}
SOURCES_HEADER = ["code", "name", "police", "police_sources", "icb", "icb_sources", "icb_from_2026_04_01",
                  "icb_2026_sources", "also_partly_in_2024"]
BEFORE_THE_2026_MERGERS, TODAY = date(2025, 6, 1), date(2026, 12, 22)


@pytest.fixture(scope="module")
def sources() -> dict[str, dict[str, str]]:
    text = (resources.files("hub") / "reference" / "sources.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == SOURCES_HEADER
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    return {r["code"]: r for r in rows}


def partners_of(rows: tuple[MembershipRow, ...], day: date, kinds: dict[str, Kind]) -> dict[str, set[str]]:
    """For each authority, the members of its partnership on that day."""
    return {m: members for members in on(rows, day).values() for m in members if kinds[m] is Kind.LOCAL_AUTHORITY}


def test_the_sources_file_has_one_row_for_every_authority_under_its_shipped_name(
    data: ReferenceData, kinds: dict[str, Kind], sources: dict[str, dict[str, str]]
) -> None:
    names = {o.code: o.name for o in data.organisations}
    assert set(sources) == authorities(kinds)
    assert {c: r["name"] for c, r in sources.items() if r["name"] != names[c]} == {}


def test_the_sources_file_records_the_police_force_and_icbs_each_authority_is_routed_to(
    data: ReferenceData, kinds: dict[str, Kind], sources: dict[str, dict[str, str]]
) -> None:
    # the checked mapping and the shipped route cannot drift apart: a correction changes both files
    for day, column in ((BEFORE_THE_2026_MERGERS, "icb"), (TODAY, "icb_from_2026_04_01")):
        partners = partners_of(data.memberships, day, kinds)
        wrong: dict[str, tuple[str, object, list[str]]] = {}
        for la, row in sources.items():
            members = partners[la]
            forces = {m for m in members if kinds[m] is Kind.POLICE}
            boards = {m for m in members if kinds[m] is Kind.HEALTH}
            own = set(row[column].split())
            single = sum(kinds[m] is Kind.LOCAL_AUTHORITY for m in members) == 1
            if row["police"] not in forces or (single and forces != {row["police"]}):
                wrong[la] = ("police", row["police"], sorted(forces))
            if not own or not own <= boards or (single and own != boards):
                wrong[la] = (column, sorted(own), sorted(boards))
        assert wrong == {}, day
    # a joint partnership's boards are exactly those of its authorities
    for members in on(data.memberships, TODAY).values():
        las = [m for m in members if kinds[m] is Kind.LOCAL_AUTHORITY]
        named = {b for la in las for b in sources[la]["icb_from_2026_04_01"].split()}
        assert named == {m for m in members if kinds[m] is Kind.HEALTH}, las


@pytest.mark.parametrize("column", ["police_sources", "icb_sources", "icb_2026_sources"])
def test_every_police_force_and_icb_route_rests_on_two_independent_sources(
    sources: dict[str, dict[str, str]], column: str
) -> None:
    keys = {la: row[column].split(";") for la, row in sources.items()}
    assert {la: k for la, k in keys.items() if not set(k) <= SOURCE_KEYS} == {}
    assert {la: k for la, k in keys.items() if len(set(k)) < 2} == {}


def test_an_authority_partly_in_another_icb_is_routed_to_the_board_holding_most_of_it(
    kinds: dict[str, Kind], sources: dict[str, dict[str, str]]
) -> None:
    # also_partly_in_2024: "<ICB code> <LSOAs in it>/<LSOAs of the authority>" from the ONS 2024 lookup
    seen: dict[str, int] = {}
    for la, row in sources.items():
        if not row["also_partly_in_2024"]:
            continue
        for part in row["also_partly_in_2024"].split("; "):
            board, share = part.split()
            held, total = (int(n) for n in share.split("/"))
            assert kinds[board] is Kind.HEALTH and board not in row["icb"].split(), (la, part)
            assert 0 < 2 * held < total, (la, part)
            seen[la] = seen.get(la, 0) + held
    # the authorities the README lists as lying partly in a second board (Westmorland and Furness has both)
    assert set(seen) == {"E06000060", "E06000063", "E06000065", "E10000012", "E10000014", "E10000015",
                         "E10000025", "E10000029", "E10000030"}
    assert seen["E10000012"] == 206 + 185  # Essex: Suffolk and North East Essex; Hertfordshire and West Essex
