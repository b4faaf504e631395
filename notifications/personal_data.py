"""Where this app keeps personal data (see partners/personal_data.py for the
strategies). A partner's notifications, choices and digests are theirs: they
are exported, and an erasure empties the details of their notifications (the
text then falls back to the kind's name). About other people a notification
holds at most a first name and an initial (the customer of an order, a new
team member)."""

PERSONAL_DATA = {
    "notifications.Notification": {
        "subject": [("partner", "partner")],
        "fields": {"params": "json_blank"},
    },
}

# The partner's choices and digest dates: theirs, exported, nothing in them to scrub.
EXPORT_ALSO = {
    "notifications.NotificationPreference": [("partner", "partner")],
    "notifications.NotificationSettings": [("partner", "partner")],
    "notifications.DigestMail": [("partner", "partner")],
}

NOT_PERSONAL = {}
