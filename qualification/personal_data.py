"""Personal data in this app (see partners/personal_data.py): volume and ranks
are linked to a partner id only; they are books and stay untouched by an erasure."""

PERSONAL_DATA: dict = {}

NOT_PERSONAL = {
    "qualification.PartnerPeriodStats.paid_as_name": "a rank's name",
    "qualification.PartnerTitle.name": "a rank's name",
    "qualification.Rank.name": "a rank's name",
    "qualification.PeriodClose.message": "the close's outcome: a period and the rules' reasons",
}

# Shown in a person's data export (Art. 15/20), never scrubbed (books).
EXPORT_ALSO = {
    "qualification.PartnerPeriodStats": [("partner", "partner")],
    "qualification.VolumeEntry": [("partner", "partner")],
}
