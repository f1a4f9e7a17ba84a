"""The child's details from DfE's notification form as GraphQL enums (thin: ``hub.child_details`` decides).

Each enum value's description is in ``VALUES``, applied with the others by ``schema.descriptions``.
"""

from __future__ import annotations

import strawberry

from hub import child_details
from hub.child_details import (
    ETHNICITY_NAMES,
    Disability,
    EducationSetting,
    Ethnicity,
    HarmCategory,
    PerpetratorRelationship,
    SocialCareStatus,
)

strawberry.enum(child_details.Ethnicity, description=(
    "The child's ethnicity as the codes of DfE's children in need census record it; REFU: refused, "
    "NOBT: not yet obtained."))
strawberry.enum(child_details.Disability, description="Whether the child has a disability: yes, no or not known.")
strawberry.enum(child_details.SocialCareStatus, description=(
    "The child's status with children's social care at the time of the incident (DfE's notification form)."))
strawberry.enum(child_details.EducationSetting, description=(
    "Where the child was educated, or the institutional setting the child was in, at the time. Para 22 asks "
    "the Panel to have regard to a child educated otherwise than at school (ELECTIVE_HOME_EDUCATION) and to "
    "children in institutional settings (footnote 86: RESIDENTIAL_SPECIAL_SCHOOL, CHILDRENS_HOME, "
    "SECURE_SETTING, DETAINED_UNDER_MENTAL_HEALTH_OR_CAPACITY_ACT)."))
strawberry.enum(child_details.HarmCategory, description=(
    "The category of harm the notifier records; MULTIPLE_TYPES where a range of types of abuse is involved "
    "(para 22)."))
strawberry.enum(child_details.PerpetratorRelationship, description=(
    "Who any suspected perpetrator is to the child; NO_SUSPECTED_PERPETRATOR where none is suspected."))

VALUES: dict[str, dict[str, str]] = {
    "Ethnicity": {e.value: name + "." for e, name in ETHNICITY_NAMES.items()},
    "Disability": {"YES": "Disabled.", "NO": "Not disabled.", "NOT_KNOWN": "The notifier does not know."},
    "SocialCareStatus": {
        "NOT_KNOWN_TO_SOCIAL_CARE": "Not known to children's social care.",
        "CHILD_IN_NEED": "A child in need (Children Act 1989 s17), not on a plan nor looked after.",
        "CHILD_PROTECTION_PLAN": "The subject of a child protection plan (needs onChildProtectionPlan).",
        "LOOKED_AFTER": "Looked after by a local authority (needs lookedAfter).",
        "CARE_LEAVER": "A care leaver.",
        "PREVIOUSLY_KNOWN": "Known to children's social care before, not at the time.",
        "NOT_KNOWN": "The notifier does not know.",
    },
    "EducationSetting": {
        "NOT_OF_SCHOOL_AGE": "Below school age and in no early years setting.",
        "EARLY_YEARS_SETTING": "A nursery, childminder or other early years provider.",
        "MAINSTREAM_SCHOOL": "A mainstream school, day pupil.",
        "SPECIAL_SCHOOL": "A special school, day pupil.",
        "ALTERNATIVE_PROVISION": "A pupil referral unit or other alternative provision.",
        "FURTHER_EDUCATION": "A college or sixth form, or an apprenticeship.",
        "ELECTIVE_HOME_EDUCATION": "Educated at home by parental choice (para 22: otherwise than at school).",
        "CHILD_MISSING_EDUCATION": "Of compulsory school age and not receiving suitable education.",
        "NOT_IN_EDUCATION_EMPLOYMENT_OR_TRAINING": "Over compulsory school age, not in education, employment or "
                                                   "training.",
        "RESIDENTIAL_SPECIAL_SCHOOL": "A residential special school or other setting with residential provision "
                                      "(footnote 86).",
        "CHILDRENS_HOME": "Living in a children's home (footnote 86).",
        "SECURE_SETTING": "A secure children's home, secure training centre, young offender institution or "
                          "police custody (footnote 86).",
        "DETAINED_UNDER_MENTAL_HEALTH_OR_CAPACITY_ACT": "Detained under the Mental Health Act 1983 or the Mental "
                                                        "Capacity Act 2005 (footnote 86).",
        "OTHER": "Another setting.",
        "NOT_KNOWN": "The notifier does not know.",
    },
    "HarmCategory": {
        "PHYSICAL_ABUSE": "Physical abuse.", "EMOTIONAL_ABUSE": "Emotional abuse.",
        "SEXUAL_ABUSE": "Sexual abuse.", "NEGLECT": "Neglect.",
        "MULTIPLE_TYPES": "More than one type of abuse (para 22: a range of types of abuse).",
        "CHILD_SEXUAL_EXPLOITATION": "Child sexual exploitation.",
        "CHILD_CRIMINAL_EXPLOITATION": "Child criminal exploitation.",
        "EXTRA_FAMILIAL_HARM": "Other harm from outside the family (peers, gangs, online).",
        "SUDDEN_UNEXPECTED_DEATH_IN_INFANCY": "A sudden unexpected death in infancy.",
        "SUICIDE_OR_SELF_HARM": "Suicide or self-harm.",
        "OTHER": "Another category.", "NOT_KNOWN": "Not yet known.",
    },
    "PerpetratorRelationship": {
        "MOTHER": "The child's mother.", "FATHER": "The child's father.", "BOTH_PARENTS": "Both parents.",
        "STEP_PARENT_OR_PARENTS_PARTNER": "A step-parent or a parent's partner.",
        "OTHER_FAMILY_MEMBER": "Another member of the family.", "FOSTER_CARER": "A foster carer.",
        "OTHER_CARER": "Another carer (a relative or friend carer, a children's home worker).",
        "PROFESSIONAL_OR_STAFF": "A professional or member of staff in a setting.",
        "PEER": "Another child or young person.", "KNOWN_ADULT": "Another adult known to the child.",
        "STRANGER": "An adult not known to the child.",
        "NO_SUSPECTED_PERPETRATOR": "Nobody is suspected.", "NOT_KNOWN": "Not yet known.",
    },
}

__all__ = [
    "VALUES", "Disability", "EducationSetting", "Ethnicity", "HarmCategory", "PerpetratorRelationship",
    "SocialCareStatus",
]
