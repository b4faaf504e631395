"""Where this app keeps personal data (see partners/personal_data.py for the
strategies). A partner's notifications, choices and digests are theirs: they
are exported, and an erasure empties the details of their notifications (the
text then falls back to the kind's name). About other people a notification
holds at most a first name and an initial (the customer of an order, a new
team member), and the customer's or new partner's id, so that their erasure
finds the notices about them and cuts the name out (the partner keeps the order
number and the amount)."""

PERSONAL_DATA = {
    "notifications.Notification": {
        "subject": [("partner", "partner")],
        "fields": {"params": "json_blank"},
    },
    "notifications.Notification#about_customer": {
        "subject": [("customer", "params__customer_id")],
        "fields": {"params": "json_redact"},
    },
    "notifications.Notification#about_partner": {
        "subject": [("partner", "params__partner_id")],
        "fields": {"params": "json_redact"},
    },
}

# The partner's choices and digest dates: theirs, exported, nothing in them to scrub.
EXPORT_ALSO = {
    "notifications.NotificationPreference": [("partner", "partner")],
    "notifications.NotificationSettings": [("partner", "partner")],
    "notifications.DigestMail": [("partner", "partner")],
}

NOT_PERSONAL = {}
