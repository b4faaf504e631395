"""Where this app keeps personal data (see partners/personal_data.py for the format).

Visit counts (LandingVisitDay, LinkVisitDay) hold no personal data: a partner id,
a day, a campaign name and a number; they go with the partner's erasure by cascade
only when the partner row is deleted, which erasure never does."""

PERSONAL_DATA = {
    # A campaign's name is the partner's own label; it may carry their name.
    "landing.Campaign": {"subject": [("partner", "partner")], "fields": {"name": "redact"}},
}

NOT_PERSONAL = {
    "landing.LinkVisitDay.campaign": "the partner's campaign label, counted per day",
}
