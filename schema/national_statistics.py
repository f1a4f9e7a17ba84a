"""National statistics on serious incident notifications (thin: ``hub.national_statistics`` counts)."""

from __future__ import annotations

import strawberry

from hub import national_statistics
from hub.national_statistics import IncidentDimension, Row, Table

strawberry.enum(national_statistics.IncidentDimension, description=(
    "What to group notifications by: QUARTER (financial year, e.g. \"2026-27 Q3\"), INCIDENT_KIND, AGE_GROUP "
    "(DfE's bands, under 1 first), SEX, ETHNICITY, REGION (the notifying authority's ONS region), "
    "SOCIAL_CARE_STATUS."))

VALUES: dict[str, dict[str, str]] = {"IncidentDimension": {
    "QUARTER": "The financial-year quarter of the notification date, e.g. \"2026-27 Q3\" (October to December).",
    "INCIDENT_KIND": "DEATH or SERIOUS_HARM.",
    "AGE_GROUP": "The child's age on the day of the incident in DfE's bands: Under 1 (unborn included), 1 to 5, "
                 "6 to 10, 11 to 15, 16 and over, Unknown.",
    "SEX": "The child's sex as recorded.",
    "ETHNICITY": "The children in need census code, or NOT_KNOWN.",
    "REGION": "The ONS region of the notifying local authority, or Unknown.",
    "SOCIAL_CARE_STATUS": "The child's status with children's social care as recorded; when not recorded, "
                          "LOOKED_AFTER, CHILD_PROTECTION_PLAN or CARE_LEAVER from the child's flags, else NOT_KNOWN.",
}}


@strawberry.type(description="One cell: the values grouped by (null for a dimension not grouped by) and its count.")
class IncidentStatisticsRow:
    quarter: str | None = strawberry.field(description="Financial-year quarter, e.g. \"2026-27 Q3\".")
    incident_kind: str | None = strawberry.field(description="DEATH or SERIOUS_HARM.")
    age_group: str | None = strawberry.field(description="DfE's age band, e.g. \"Under 1\".")
    sex: str | None = strawberry.field(description="The child's sex, e.g. FEMALE.")
    ethnicity: str | None = strawberry.field(description="Children in need census code, or NOT_KNOWN.")
    region: str | None = strawberry.field(description="ONS region of the notifying local authority.")
    social_care_status: str | None = strawberry.field(description="Status with children's social care.")
    count: int | None = strawberry.field(description="How many notifications; null when suppressed.")
    suppressed: bool = strawberry.field(description=(
        "The count is withheld: 1 to 4, or withheld so that such a count cannot be worked out."))

    @classmethod
    def from_row(cls, row: Row) -> IncidentStatisticsRow:
        d = IncidentDimension
        return cls(quarter=row.value(d.QUARTER), incident_kind=row.value(d.INCIDENT_KIND),
                   age_group=row.value(d.AGE_GROUP), sex=row.value(d.SEX), ethnicity=row.value(d.ETHNICITY),
                   region=row.value(d.REGION), social_care_status=row.value(d.SOCIAL_CARE_STATUS),
                   count=row.count, suppressed=row.suppressed)


@strawberry.type(description="Serious incident notifications counted by notification date, withdrawn ones left out.")
class IncidentStatistics:
    rows: list[IncidentStatisticsRow] = strawberry.field(description=(
        "One row per combination that occurs, in order of the dimensions asked for."))
    total: int | None = strawberry.field(description="Every notification counted; null when suppressed.")

    @classmethod
    def from_table(cls, table: Table) -> IncidentStatistics:
        return cls(rows=[IncidentStatisticsRow.from_row(r) for r in table.rows], total=table.total)
