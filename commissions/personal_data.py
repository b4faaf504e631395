"""Personal data in this app (see partners/personal_data.py): statements hold
amounts and ranks linked to a partner id, no name or address. They are books
(10 years from the end of the year) and stay untouched by an erasure."""

PERSONAL_DATA: dict = {}

NOT_PERSONAL = {
    "commissions.Estimate.paid_as_rank_name": "a rank's name",
    "commissions.Statement.paid_as_rank_name": "a rank's name",
    "commissions.StatementLine.rank_name": "a rank's name",
    "commissions.StatementLine.reason": "a fixed reason code",
    "commissions.EstimateTeamVolume.generations": "volume figures of a team",
}

# Shown in a person's data export (Art. 15/20), never scrubbed (books).
EXPORT_ALSO = {
    "commissions.Statement": [("partner", "partner")],
}
