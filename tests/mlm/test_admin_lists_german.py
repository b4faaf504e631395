"""Every admin list in German: column headers, filter titles and the model's
names (singular and plural: "1 Bestellung", "2 Bestellungen") translated.
The headers are what the changelist draws (admin.utils.label_for_field), so
a list needs no rows to be checked; a German text equal to the English one
is a missing translation unless the word is the same in both languages."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.db import models
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Words that are the same in German and English (abbreviations, names).
SAME_IN_BOTH = {
    "ID", "PV", "GV", "QV", "CV", "QGV", "IBAN", "BIC", "Slug", "Status", "URL", "E-Mail",
    "Name", "SKU", "Code", "Token", "Partner", "Webhook", "Level", "Start", "Plan", "Text",
    "Details", "Version", "Sandbox", "Label", "Hash", "Scopes", "Tags", "Marker", "",
}  # fmt: skip
# Third-party admins shown to superusers only (their own catalogues).
THIRD_PARTY = ("django_celery_beat", "account", "socialaccount", "sites")


def ours():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in THIRD_PARTY:
            yield model, model_admin


def texts(model, model_admin, request) -> dict[str, str]:
    """Everything of the list that a reader sees as words, by where it is."""
    result = {
        "name": str(model._meta.verbose_name),
        "plural": str(model._meta.verbose_name_plural),
    }
    for name in model_admin.get_list_display(request):
        if name == "action_checkbox":
            continue
        result[f"column {name}"] = str(label_for_field(name, model, model_admin))
    changelist = model_admin.get_changelist_instance(request)
    for spec in changelist.filter_specs:
        result[f"filter {type(spec).__name__} {getattr(spec, 'field_path', '')}"] = str(spec.title)
    return result


@pytest.mark.parametrize(
    ("model", "model_admin"), list(ours()), ids=[m._meta.label for m, _a in ours()]
)
def test_the_admin_list_speaks_german(rf, model, model_admin):
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    with translation.override("de"):
        german = texts(model, model_admin, request)
    with translation.override("en"):
        english = texts(model, model_admin, request)

    leaked = {
        where: text
        for where, text in german.items()
        if text == english[where] and text not in SAME_IN_BOTH
    }
    assert not leaked, f"{model._meta.label}: English in German: {leaked}"
    # Without a plural of its own Django appends an "s" ("Bestellungs"); German
    # plurals with an "s" ("Abos") are fine when the model names them.
    assert "verbose_name_plural" in model._meta.original_attrs, model._meta.label


def test_the_check_would_notice_an_untranslated_column(rf):
    from orders.admin import OrderAdmin
    from orders.models import Order

    class Leaky(OrderAdmin):
        list_display = ("number", "untranslated")

        @admin.display(description="Shipping weight")
        def untranslated(self, obj):
            return ""

    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    with translation.override("de"):
        german = texts(Order, Leaky(Order, admin.site), request)
    assert german["column untranslated"] == "Shipping weight"


# At 1366 px, beside the navigation and the filters (templates/admin/base_site.html),
# a list has room for about nine columns of German headers and euro amounts:
# measured with Chromium over the demo data (every list fits; see the report).
MAX_COLUMNS = 9
# Money fields: shown with the euro sign (partners.admin_base.euro_column).
MONEY_WORDS = (
    "commission",
    "bonus",
    "total",
    "payout",
    "carried",
    "amount",
    "gross",
    "net",
    "vat",
    "fee",
)


@pytest.mark.parametrize(
    ("model", "model_admin"), list(ours()), ids=[m._meta.label for m, _a in ours()]
)
def test_the_admin_list_fits_1366_px_and_shows_money_in_euro(rf, model, model_admin):
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    columns = [c for c in model_admin.get_list_display(request) if c != "action_checkbox"]
    assert len(columns) <= MAX_COLUMNS, f"{model._meta.label}: {len(columns)} columns"
    editable = set(model_admin.list_editable)
    bare_money = [
        name
        for name in columns
        if isinstance(name, str)
        and name not in editable
        and any(word in name for word in MONEY_WORDS)
        and isinstance(_field(model, name), models.DecimalField)
        and "percent" not in name
    ]
    assert not bare_money, f"{model._meta.label}: money without the euro sign: {bare_money}"


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except Exception:  # a method or property, not a field
        return None
