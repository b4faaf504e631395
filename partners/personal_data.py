"""Where this app keeps personal data and how an erasure treats it.

Read by privacy/registry.py (export, erasure, retention); tests/privacy/test_map.py
fails when a model field that looks personal is in neither list. Strategies:
name, email, blank, null, file, slug, unusable_password, redact (replace the
person's names, e-mail and address in a free text), label (a short label that
names the person becomes a pseudonym of itself: same label, same pseudonym),
pseudonym (always a pseudonym of the value itself, so a unique value stays unique),
json_redact / json_blank, bytes_blank, keep (needed, no person in it).
"subject" says how a row belongs to a person: (kind, lookup to the subject's id),
or (kind, lookup, "email" | "slug") to match their e-mail or landing page address.
A label "app.Model#part" declares a second place on one model (another subject).
"retention" keeps the named fields, restricted, until `years` after the end of the
year of `date`; privacy.tasks.scrub_expired_retention scrubs them then."""

PERSONAL_DATA = {
    "partners.Partner": {
        "subject": [("partner", "pk")],
        "fields": {
            "first_name": "name",
            "last_name": "name",
            "slug": "slug",
            "code": "null",
            "external_id": "null",
            "photo": "file",
            "message": "blank",
            "instagram_url": "blank",
            "tiktok_url": "blank",
            "youtube_url": "blank",
            "website_url": "blank",
            "phone": "blank",
            "contact_shared_at": "null",
        },
    },
    "partners.User": {
        "subject": [("partner", "partner")],
        "fields": {
            "email": "email",
            "first_name": "blank",
            "last_name": "blank",
            "password": "unusable_password",
        },
    },
    "account.EmailAddress": {
        "subject": [("partner", "user__partner")],
        "fields": {"email": "email"},
    },
    "partners.ApiToken": {"subject": [("partner", "partner")], "fields": {"name": "blank"}},
    "partners.SponsorChange": {"subject": [("partner", "partner")], "fields": {"reason": "redact"}},
    "partners.StatusChange": {"subject": [("partner", "partner")], "fields": {"reason": "redact"}},
    "admin.LogEntry": {
        "subject": [("partner", "object_id")],
        "content_type": "partners.partner",
        "fields": {"object_repr": "redact", "change_message": "redact"},
    },
}

NOT_PERSONAL = {
    "partners.Partner.path": "ids of the sponsor chain",
    "partners.BlockedSlug.slug_hash": "a one-way hash of an erased address",
    "partners.Partner.terms_version": "the version label of the terms accepted",
    "partners.ApiToken.token_hash": "SHA-256 of a secret, revoked on erasure",
    "partners.ApiToken.prefix": "first characters of a revoked secret",
    "partners.User.username": "not used (e-mail is the login)",
}
