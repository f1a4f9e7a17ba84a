"""The child's details as DfE's notification form and the Panel's intake record them.

DfE's "report the death or serious harm of a child or care leaver" form and the
Panel's intake ask, for each child, for the child's ethnicity (the codes of the
children in need census), disability, social-care status at the time, education
setting, the category of harm, the relationship of any suspected perpetrator and
whether the child was unborn or under one. Every one may be left out where the
form allows "not known"; what is given is checked. They are the child's details:
only roles that may see a child's identity read them (``hub.visibility``), and
national statistics count them (``hub.national_statistics``).

Para 22 makes two of them matter to the Panel's decision: a child "educated
otherwise than at school" (elective home education) and children in institutional
settings (footnote 86: children's homes, residential provision, custody,
detention under the Mental Health Act 1983 or the Mental Capacity Act 2005).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from enum import Enum

from hub.errors import Problem
from hub.models import Child
from hub.statute import rule

Path = tuple[str, ...]


class Ethnicity(str, Enum):
    """The ethnicity codes of DfE's children in need census."""

    WBRI = "WBRI"
    WIRI = "WIRI"
    WIRT = "WIRT"
    WOTH = "WOTH"
    WROM = "WROM"
    MWBC = "MWBC"
    MWBA = "MWBA"
    MWAS = "MWAS"
    MOTH = "MOTH"
    AIND = "AIND"
    APKN = "APKN"
    ABAN = "ABAN"
    AOTH = "AOTH"
    BCRB = "BCRB"
    BAFR = "BAFR"
    BOTH = "BOTH"
    CHNE = "CHNE"
    OOTH = "OOTH"
    REFU = "REFU"
    NOBT = "NOBT"


ETHNICITY_NAMES: dict[Ethnicity, str] = {
    Ethnicity.WBRI: "White British", Ethnicity.WIRI: "White Irish",
    Ethnicity.WIRT: "Traveller of Irish heritage", Ethnicity.WOTH: "Any other White background",
    Ethnicity.WROM: "Gypsy/Roma", Ethnicity.MWBC: "White and Black Caribbean",
    Ethnicity.MWBA: "White and Black African", Ethnicity.MWAS: "White and Asian",
    Ethnicity.MOTH: "Any other mixed background", Ethnicity.AIND: "Indian", Ethnicity.APKN: "Pakistani",
    Ethnicity.ABAN: "Bangladeshi", Ethnicity.AOTH: "Any other Asian background",
    Ethnicity.BCRB: "Caribbean", Ethnicity.BAFR: "African", Ethnicity.BOTH: "Any other Black background",
    Ethnicity.CHNE: "Chinese", Ethnicity.OOTH: "Any other ethnic group", Ethnicity.REFU: "Refused",
    Ethnicity.NOBT: "Information not yet obtained",
}


class Disability(str, Enum):
    YES = "YES"
    NO = "NO"
    NOT_KNOWN = "NOT_KNOWN"


class SocialCareStatus(str, Enum):
    """The child's status with children's social care at the time of the incident."""

    NOT_KNOWN_TO_SOCIAL_CARE = "NOT_KNOWN_TO_SOCIAL_CARE"
    CHILD_IN_NEED = "CHILD_IN_NEED"
    CHILD_PROTECTION_PLAN = "CHILD_PROTECTION_PLAN"
    LOOKED_AFTER = "LOOKED_AFTER"
    CARE_LEAVER = "CARE_LEAVER"
    PREVIOUSLY_KNOWN = "PREVIOUSLY_KNOWN"
    NOT_KNOWN = "NOT_KNOWN"


class EducationSetting(str, Enum):
    """Where the child was educated or living at the time, with the institutional settings of para 22."""

    NOT_OF_SCHOOL_AGE = "NOT_OF_SCHOOL_AGE"
    EARLY_YEARS_SETTING = "EARLY_YEARS_SETTING"
    MAINSTREAM_SCHOOL = "MAINSTREAM_SCHOOL"
    SPECIAL_SCHOOL = "SPECIAL_SCHOOL"
    ALTERNATIVE_PROVISION = "ALTERNATIVE_PROVISION"
    FURTHER_EDUCATION = "FURTHER_EDUCATION"
    ELECTIVE_HOME_EDUCATION = "ELECTIVE_HOME_EDUCATION"
    CHILD_MISSING_EDUCATION = "CHILD_MISSING_EDUCATION"
    NOT_IN_EDUCATION_EMPLOYMENT_OR_TRAINING = "NOT_IN_EDUCATION_EMPLOYMENT_OR_TRAINING"
    RESIDENTIAL_SPECIAL_SCHOOL = "RESIDENTIAL_SPECIAL_SCHOOL"
    CHILDRENS_HOME = "CHILDRENS_HOME"
    SECURE_SETTING = "SECURE_SETTING"
    DETAINED_UNDER_MENTAL_HEALTH_OR_CAPACITY_ACT = "DETAINED_UNDER_MENTAL_HEALTH_OR_CAPACITY_ACT"
    OTHER = "OTHER"
    NOT_KNOWN = "NOT_KNOWN"


INSTITUTIONAL_SETTINGS = frozenset({
    EducationSetting.RESIDENTIAL_SPECIAL_SCHOOL, EducationSetting.CHILDRENS_HOME, EducationSetting.SECURE_SETTING,
    EducationSetting.DETAINED_UNDER_MENTAL_HEALTH_OR_CAPACITY_ACT,
})


class HarmCategory(str, Enum):
    PHYSICAL_ABUSE = "PHYSICAL_ABUSE"
    EMOTIONAL_ABUSE = "EMOTIONAL_ABUSE"
    SEXUAL_ABUSE = "SEXUAL_ABUSE"
    NEGLECT = "NEGLECT"
    MULTIPLE_TYPES = "MULTIPLE_TYPES"
    CHILD_SEXUAL_EXPLOITATION = "CHILD_SEXUAL_EXPLOITATION"
    CHILD_CRIMINAL_EXPLOITATION = "CHILD_CRIMINAL_EXPLOITATION"
    EXTRA_FAMILIAL_HARM = "EXTRA_FAMILIAL_HARM"
    SUDDEN_UNEXPECTED_DEATH_IN_INFANCY = "SUDDEN_UNEXPECTED_DEATH_IN_INFANCY"
    SUICIDE_OR_SELF_HARM = "SUICIDE_OR_SELF_HARM"
    OTHER = "OTHER"
    NOT_KNOWN = "NOT_KNOWN"


class PerpetratorRelationship(str, Enum):
    """Who any suspected perpetrator is to the child."""

    MOTHER = "MOTHER"
    FATHER = "FATHER"
    BOTH_PARENTS = "BOTH_PARENTS"
    STEP_PARENT_OR_PARENTS_PARTNER = "STEP_PARENT_OR_PARENTS_PARTNER"
    OTHER_FAMILY_MEMBER = "OTHER_FAMILY_MEMBER"
    FOSTER_CARER = "FOSTER_CARER"
    OTHER_CARER = "OTHER_CARER"
    PROFESSIONAL_OR_STAFF = "PROFESSIONAL_OR_STAFF"
    PEER = "PEER"
    KNOWN_ADULT = "KNOWN_ADULT"
    STRANGER = "STRANGER"
    NO_SUSPECTED_PERPETRATOR = "NO_SUSPECTED_PERPETRATOR"
    NOT_KNOWN = "NOT_KNOWN"


@dataclass(frozen=True)
class ChildDetails:
    """What the form asks about the child beyond identity, sex and the two flags; None: not given."""

    ethnicity: Ethnicity | None = None
    disability: Disability | None = None
    social_care_status: SocialCareStatus | None = None
    education_setting: EducationSetting | None = None
    harm_category: HarmCategory | None = None
    suspected_perpetrator: PerpetratorRelationship | None = None
    unborn_or_under_one: bool | None = None

    def or_else(self, other: ChildDetails) -> ChildDetails:
        """These details, each one left out taken from ``other`` (a referral's, para 14)."""
        taken = {f.name: getattr(other, f.name) for f in fields(self) if getattr(self, f.name) is None}
        return replace(self, **taken)


# Statuses that contradict a child recorded as looked after or on a child protection plan.
_NOT_OPEN = frozenset({SocialCareStatus.NOT_KNOWN_TO_SOCIAL_CARE, SocialCareStatus.PREVIOUSLY_KNOWN})


@rule("child-details-consistent", "paras 13, 22; DfE notification form",
      "a child's social-care status, when given, agrees with lookedAfter and onChildProtectionPlan, and "
      "unbornOrUnderOne agrees with the date of birth")
def check_details(
    details: ChildDetails, path: Path, *, looked_after: bool, on_plan: bool, born: date | None, on: date,
) -> list[Problem]:
    status = details.social_care_status
    problems = []
    if status is not None and _contradicts(status, looked_after=looked_after, on_plan=on_plan):
        problems.append(Problem(
            "SOCIAL_CARE_STATUS_CONFLICT", (*path, "socialCareStatus"),
            f"socialCareStatus {status.value} contradicts lookedAfter and onChildProtectionPlan"))
    if details.unborn_or_under_one is not None and born is not None and born <= on:
        under_one = (on.year - born.year) * 12 + on.month - born.month - (on.day < born.day) < 12
        if under_one != details.unborn_or_under_one:
            problems.append(Problem("UNDER_ONE_MISMATCH", (*path, "unbornOrUnderOne"),
                                    "unbornOrUnderOne does not agree with dateOfBirth"))
    return problems


def _contradicts(status: SocialCareStatus, *, looked_after: bool, on_plan: bool) -> bool:
    if status in _NOT_OPEN:
        return looked_after or on_plan
    if status is SocialCareStatus.LOOKED_AFTER:
        return not looked_after
    if status is SocialCareStatus.CHILD_PROTECTION_PLAN:
        return not on_plan
    return False


def details_of(row: Child) -> ChildDetails:
    """The details stored on a child's row."""
    return ChildDetails(
        ethnicity=Ethnicity(row.ethnicity) if row.ethnicity else None,
        disability=Disability(row.disability) if row.disability else None,
        social_care_status=SocialCareStatus(row.social_care_status) if row.social_care_status else None,
        education_setting=EducationSetting(row.education_setting) if row.education_setting else None,
        harm_category=HarmCategory(row.harm_category) if row.harm_category else None,
        suspected_perpetrator=(PerpetratorRelationship(row.suspected_perpetrator)
                               if row.suspected_perpetrator else None),
        unborn_or_under_one=row.unborn_or_under_one,
    )
