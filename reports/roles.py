"""The staff roles' names. The groups are made by migration 0001_staff_roles
with these English names, which code and later migrations look them up by
(e.g. sandbox 0002); the admin shows them in the reader's language."""

from django.utils.translation import gettext_lazy as _

ROLE_LABELS = {
    "Support": _("Support"),
    "Finance": _("Finance"),
    "Finance approver": _("Finance approver"),
    "Plan manager": _("Plan manager"),
}


def role_label(name: str) -> str:
    """A group's name as the admin shows it: a role's in the reader's
    language, any other group's as stored."""
    return str(ROLE_LABELS.get(name, name))
