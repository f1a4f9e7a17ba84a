"""The shipped reference data, and ONS register lookups read into reference data (no database)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import pytest

from hub import registers
from hub.reference_data import (
    MembershipRow,
    OrganisationRow,
    ReferenceData,
    ReferenceDataError,
    parse_file,
    shipped,
)
from hub.vocabulary import OrganisationKind as Kind

CODE_PATTERNS = {
    Kind.LOCAL_AUTHORITY: re.compile(r"^E0[6-9]\d{6}$|^E10\d{6}$"),
    Kind.POLICE: re.compile(r"^E23\d{6}$"),
    Kind.HEALTH: re.compile(r"^E54\d{6}$"),
}
NATIONAL = {
    "PANEL": Kind.PANEL,
    "OFSTED": Kind.OFSTED,
    "DFE": Kind.DFE,
    "SOS": Kind.SECRETARY_OF_STATE,
    "CQC": Kind.INSPECTORATE,
    "HMICFRS": Kind.INSPECTORATE,
    "WWCSC": Kind.WHAT_WORKS_CENTRE,
}
ICBS_REPLACED_CCGS = date(2022, 7, 1)
NORTH_LONDON_ICBS_MERGED = date(2026, 4, 1)
# A partnership whose authority lies in two ICBs and which publishes both as partners (hub/reference/README.md,
# "Authorities in two ICBs"): Westmorland and Furness, Lancashire and South Cumbria and North East and North Cumbria.
TWO_ICBS = {"SCP-E06000064"}

# Invented extracts in the ONS layouts (real codes, a handful of rows each).
PFA_LOOKUP = (
    "\ufeffLAD23CD,LAD23NM,PFA23CD,PFA23NM,ObjectId\r\n"
    "E09000007,Camden,E23000001,Metropolitan Police,1\r\n"
    'E09000001,City of London,E23000034,"London, City of",2\r\n'
    "W06000015,Cardiff,W15000003,South Wales,3\r\n"
    "E08000025,Birmingham,E23000014,West Midlands,4\r\n"
    "E08000025,Birmingham,E23000014,West Midlands,4\r\n"
)
ICB_LOOKUP = (
    "\ufeffLAD23CD,LAD23NM,SICBL23CD,SICBL23CDH,SICBL23NM,ICB23CD,ICB23CDH,ICB23NM,"
    "NHSER23CD,NHSER23CDH,NHSER23NM,ObjectId\n"
    "E08000025,Birmingham,E38000258,15E,NHS Birmingham and Solihull ICB - 15E,E54000055,QHL,"
    "NHS Birmingham and Solihull Integrated Care Board,E40000011,Y60,Midlands,1\n"
    "E08000029,Solihull,E38000258,15E,NHS Birmingham and Solihull ICB - 15E,E54000055,QHL,"
    "NHS Birmingham and Solihull Integrated Care Board,E40000011,Y60,Midlands,2\n"
    "W06000015,Cardiff,W11000029,7A4,Cardiff and Vale,W11000029,7A4,Cardiff and Vale,,,,3\n"
    "E08000003,Manchester,E38000217,14L,NHS Greater Manchester ICB - 14L,E54000057,QOP,"
    "NHS Greater Manchester Integrated Care Board,E40000010,Y62,North West,4\n"
)


def _current(rows: tuple[MembershipRow, ...], on: date) -> list[MembershipRow]:
    return [
        m
        for m in rows
        if m.effective_from <= on and (m.effective_to is None or m.effective_to >= on)
    ]


def _members_by_partnership(rows: list[MembershipRow]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        members[row.partnership_code].append(row.member_code)
    return members


@pytest.fixture(scope="module")
def data() -> ReferenceData:
    return shipped()


@pytest.fixture(scope="module")
def kinds(data: ReferenceData) -> dict[str, Kind]:
    return {o.code: o.kind for o in data.organisations}


def test_shipped_files_parse_and_cover_london_birmingham_solihull_and_greater_manchester(
    data: ReferenceData,
    kinds: dict[str, Kind],
) -> None:
    authorities = {c for c, k in kinds.items() if k is Kind.LOCAL_AUTHORITY}
    assert {f"E09{n:06d}" for n in range(1, 34)} <= authorities  # all 33 London authorities
    assert {"E08000025", "E08000029"} <= authorities  # Birmingham, Solihull
    assert {f"E08{n:06d}" for n in range(1, 11)} <= authorities  # Greater Manchester
    assert {"E23000001", "E23000034", "E23000014", "E23000005"} <= set(kinds)
    assert data.memberships


def test_organisation_codes_are_unique(data: ReferenceData) -> None:
    codes = [o.code for o in data.organisations]
    assert len(codes) == len(set(codes))


def test_every_code_matches_the_pattern_of_its_kind(data: ReferenceData) -> None:
    wrong = [
        (o.code, o.kind)
        for o in data.organisations
        if o.kind in CODE_PATTERNS and not CODE_PATTERNS[o.kind].match(o.code)
    ]
    assert wrong == []


def test_names_are_present_and_trimmed(data: ReferenceData) -> None:
    assert all(o.name and o.name == o.name.strip() for o in data.organisations)


def test_national_bodies_exist_with_their_kinds(kinds: dict[str, Kind]) -> None:
    assert {code: kinds.get(code) for code in NATIONAL} == NATIONAL


def test_every_partnership_member_is_a_known_organisation(
    data: ReferenceData, kinds: dict[str, Kind]
) -> None:
    assert {m.member_code for m in data.memberships} <= set(kinds)


def test_memberships_start_no_earlier_than_icbs_and_end_after_they_start(
    data: ReferenceData,
) -> None:
    assert all(m.effective_from >= ICBS_REPLACED_CCGS for m in data.memberships)
    assert all(
        m.effective_to is None or m.effective_to >= m.effective_from for m in data.memberships
    )


def test_each_partnership_has_one_name(data: ReferenceData) -> None:
    names: dict[str, set[str]] = defaultdict(set)
    for m in data.memberships:
        names[m.partnership_code].add(m.partnership_name)
    assert all(len(n) == 1 for n in names.values())


def test_every_local_authority_has_one_current_partnership_with_police_and_icb(
    data: ReferenceData,
    kinds: dict[str, Kind],
) -> None:
    open_ended = _members_by_partnership([m for m in data.memberships if m.effective_to is None])
    for code in (c for c, k in kinds.items() if k is Kind.LOCAL_AUTHORITY):
        mine = [p for p, members in open_ended.items() if code in members]
        assert len(mine) == 1, code
        member_kinds = [kinds[m] for m in open_ended[mine[0]]]
        assert member_kinds.count(Kind.POLICE) >= 1, code
        assert member_kinds.count(Kind.HEALTH) == (2 if mine[0] in TWO_ICBS else 1), code


@pytest.mark.parametrize(
    "on",
    [
        ICBS_REPLACED_CCGS,
        date(2026, 3, 31),
        NORTH_LONDON_ICBS_MERGED,
        date(2026, 12, 22),
    ],
)
def test_every_partnership_has_one_icb_on_any_day_or_both_it_publishes(
    data: ReferenceData,
    kinds: dict[str, Kind],
    on: date,
) -> None:
    for code, members in _members_by_partnership(_current(data.memberships, on)).items():
        assert [kinds[m] for m in members].count(Kind.HEALTH) == (2 if code in TWO_ICBS else 1), (code, on)


def test_north_central_and_north_west_london_boroughs_move_to_the_merged_icb_on_1_april_2026(
    data: ReferenceData,
) -> None:
    camden = {
        on: {
            m.member_code
            for m in _current(data.memberships, on)
            if m.partnership_code == "SCP-E09000007"
        }
        for on in (date(2026, 3, 31), NORTH_LONDON_ICBS_MERGED)
    }
    assert camden[date(2026, 3, 31)] == {"E09000007", "E23000001", "E54000028"}
    assert camden[NORTH_LONDON_ICBS_MERGED] == {"E09000007", "E23000001", "E54000071"}


def test_city_and_hackney_share_a_partnership_with_both_forces(data: ReferenceData) -> None:
    members = _members_by_partnership([m for m in data.memberships if m.effective_to is None])
    assert set(members["SCP-CITY-HACKNEY"]) == {
        "E09000001",
        "E09000012",
        "E23000001",
        "E23000034",
        "E54000029",
    }


def test_shipped_police_names_are_what_a_register_refresh_would_give(data: ReferenceData) -> None:
    # the register names forces from the police force area; the shipped name must agree
    for org in (o for o in data.organisations if o.kind is Kind.POLICE):
        area = org.name.removesuffix(" Police").removesuffix(" Constabulary")
        assert registers.force_name(org.code, area) == org.name


def test_register_layout_is_recognised_by_its_la_and_pfa_or_icb_columns() -> None:
    assert registers.is_register_layout(
        ["\ufeffLAD23CD", "LAD23NM", "PFA23CD", "PFA23NM", "ObjectId"]
    )
    assert registers.is_register_layout(
        ["CTYUA22CD", "CTYUA22NM", "ICB22CD", "ICB22CDH", "ICB22NM"]
    )
    assert not registers.is_register_layout(["LAD23CD", "LAD23NM", "SICBL23CD", "SICBL23NM"])
    assert not registers.is_register_layout(["PFA23CD", "PFA23NM", "ICB23CD", "ICB23NM"])
    assert not registers.is_register_layout(["code", "name", "kind"])


def test_a_police_force_area_lookup_gives_forces_and_one_partnership_per_english_authority() -> (
    None
):
    data = parse_file(PFA_LOOKUP)
    assert set(data.organisations) == {
        OrganisationRow("E09000007", "Camden", Kind.LOCAL_AUTHORITY),
        OrganisationRow("E23000001", "Metropolitan Police Service", Kind.POLICE),
        OrganisationRow("E09000001", "City of London", Kind.LOCAL_AUTHORITY),
        OrganisationRow("E23000034", "City of London Police", Kind.POLICE),
        OrganisationRow("E08000025", "Birmingham", Kind.LOCAL_AUTHORITY),
        OrganisationRow("E23000014", "West Midlands Police", Kind.POLICE),
    }
    april_2023 = date(2023, 4, 1)
    camden, city = (
        "Camden Safeguarding Children Partnership",
        "City and Hackney Safeguarding Children Partnership",
    )
    birmingham = "Birmingham Safeguarding Children Partnership"
    assert data.memberships == (
        MembershipRow("SCP-E09000007", camden, "E09000007", april_2023),
        MembershipRow("SCP-E09000007", camden, "E23000001", april_2023),
        MembershipRow("SCP-CITY-HACKNEY", city, "E09000001", april_2023),
        MembershipRow("SCP-CITY-HACKNEY", city, "E23000034", april_2023),
        MembershipRow("SCP-E08000025", birmingham, "E08000025", april_2023),
        MembershipRow("SCP-E08000025", birmingham, "E23000014", april_2023),
    )


def test_an_icb_lookup_gives_boards_named_as_given_and_skips_welsh_rows() -> None:
    data = parse_file(ICB_LOOKUP)
    orgs = {o.code: o for o in data.organisations}
    assert set(orgs) == {"E08000025", "E08000029", "E54000055", "E08000003", "E54000057"}
    assert orgs["E54000055"] == OrganisationRow(
        "E54000055", "NHS Birmingham and Solihull Integrated Care Board", Kind.HEALTH
    )
    assert orgs["E08000029"].kind is Kind.LOCAL_AUTHORITY
    members = _members_by_partnership(list(data.memberships))
    assert members == {
        "SCP-E08000025": ["E08000025", "E54000055"],
        "SCP-E08000029": ["E08000029", "E54000055"],
        "SCP-E08000003": ["E08000003", "E54000057"],
    }
    assert {m.effective_from for m in data.memberships} == {date(2023, 4, 1)}
    assert {
        m.partnership_name for m in data.memberships if m.partnership_code == "SCP-E08000029"
    } == {"Solihull Safeguarding Children Partnership"}


def test_a_lookup_after_an_icb_merger_puts_the_merged_board_in_the_borough_partnership() -> None:
    text = (
        "LAD25CD,LAD25NM,ICB26CD,ICB26NM\n"
        "E09000007,Camden,E54000071,NHS West and North London Integrated Care Board\n"
        "E09000005,Brent,E54000071,NHS West and North London Integrated Care Board\n"
    )
    data = registers.parse_register(text)
    assert {(m.partnership_code, m.member_code, m.effective_from) for m in data.memberships} == {
        ("SCP-E09000007", "E09000007", NORTH_LONDON_ICBS_MERGED),
        ("SCP-E09000007", "E54000071", NORTH_LONDON_ICBS_MERGED),
        ("SCP-E09000005", "E09000005", NORTH_LONDON_ICBS_MERGED),
        ("SCP-E09000005", "E54000071", NORTH_LONDON_ICBS_MERGED),
    }


def test_effective_from_can_be_given() -> None:
    data = registers.parse_register(PFA_LOOKUP, effective_from=date(2022, 7, 1))
    assert {m.effective_from for m in data.memberships} == {date(2022, 7, 1)}


def test_an_upper_tier_column_is_preferred_and_shire_districts_form_no_partnership() -> None:
    text = "LAD23CD,LAD23NM,PFA23CD,PFA23NM\nE07000008,Cambridge,E23000023,Cambridgeshire\n"
    data = registers.parse_register(text)
    assert data.organisations == (
        OrganisationRow("E23000023", "Cambridgeshire Constabulary", Kind.POLICE),
    )
    assert data.memberships == ()
    both = (
        "LAD23CD,LAD23NM,UTLA23CD,UTLA23NM,PFA23CD,PFA23NM\n"
        "E07000008,Cambridge,E10000003,Cambridgeshire,E23000023,Cambridgeshire\n"
    )
    county = registers.parse_register(both)
    assert {m.partnership_code for m in county.memberships} == {"SCP-E10000003"}
    assert (
        OrganisationRow("E10000003", "Cambridgeshire", Kind.LOCAL_AUTHORITY) in county.organisations
    )


def test_a_row_with_an_empty_code_is_refused_naming_its_line() -> None:
    text = (
        "LAD23CD,LAD23NM,PFA23CD,PFA23NM,ObjectId\n"
        "E09000007,Camden,E23000001,Metropolitan Police,1\n"
        "E09000019,Islington,,Metropolitan Police,2\n"
    )
    with pytest.raises(ReferenceDataError, match=r"line 3: PFA23CD is empty"):
        parse_file(text)


def test_a_row_with_an_empty_name_is_refused_naming_its_line() -> None:
    # a blank line 2 still counts
    text = (
        "\ufeffLAD23CD,LAD23NM,ICB23CD,ICB23NM\n"
        "\n"
        "E09000007,,E54000028,NHS North Central London Integrated Care Board\n"
    )
    with pytest.raises(ReferenceDataError, match=r"line 3: LAD23NM is empty"):
        parse_file(text)


def test_a_code_column_without_its_name_column_is_refused() -> None:
    with pytest.raises(ReferenceDataError, match="PFA23NM"):
        registers.parse_register("LAD23CD,LAD23NM,PFA23CD\nE09000007,Camden,E23000001\n")
