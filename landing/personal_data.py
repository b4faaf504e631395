"""Where this app keeps personal data (see partners/personal_data.py for the format).

Visit counts (LandingVisitDay, LinkVisitDay) hold a partner id, a day, a number
and the campaign's label; the label is the partner's own and may name them, so
the erasure turns it into the same pseudonym on the campaign and on its counts
(the statistics still add up per campaign)."""

PERSONAL_DATA = {
    # A campaign's name is the partner's own label; it may carry their name.
    "landing.Campaign": {"subject": [("partner", "partner")], "fields": {"name": "label"}},
    "landing.LinkVisitDay": {"subject": [("partner", "partner")], "fields": {"campaign": "label"}},
}

NOT_PERSONAL: dict[str, str] = {}
