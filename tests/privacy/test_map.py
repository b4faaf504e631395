"""The personal-data map (privacy/registry.py, collected from each app's
personal_data.py) covers every field that looks personal."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from privacy import registry


def project_apps():
    """Every app of this repository (a new one is walked without being listed),
    and allauth's account app, which stores the login e-mail addresses."""
    root = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if (root in path.parents and ".venv" not in path.parts) or config.label == "account":
            yield config


LOOKS_PERSONAL = re.compile(
    r"name|email|e_mail|phone|mobile|street|address|city|postal|zip|iban|bic|holder|"
    r"(^|_)ip($|_)|user_agent|photo|avatar|image|social|instagram|tiktok|youtube|website|"
    r"birth|note|message|reason|remittance|reference|recipient|tax_number|vat_id|slug|repr"
)
TEXT_TYPES = (
    models.CharField,
    models.TextField,
    models.EmailField,
    models.FileField,
    models.GenericIPAddressField,
    models.URLField,
    models.JSONField,
)


def candidates():
    for config in project_apps():
        for model in config.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, TEXT_TYPES) and LOOKS_PERSONAL.search(field.name):
                    yield f"{model._meta.label}.{field.name}"


def test_every_field_that_looks_personal_is_mapped_or_explained():
    known = registry.mapped_fields() | set(registry.not_personal())
    missing = sorted(set(candidates()) - known)
    assert not missing, (
        "Personal data without a place in the map: add each to PERSONAL_DATA "
        "or NOT_PERSONAL (with a reason) in the app's personal_data.py: " + ", ".join(missing)
    )


def test_the_map_names_only_fields_that_exist():
    for place in registry.places():
        names = {f.name for f in place.model._meta.concrete_fields}
        assert set(place.fields) <= names, place.label
        if place.retention:
            assert set(place.retention.fields) <= set(place.fields), place.label


def test_a_new_personal_field_would_be_noticed():
    # The walker sees the fields the map covers today, so it sees a new one too.
    assert "orders.Order.street" in set(candidates())
    assert "partners.Partner.first_name" in set(candidates())
    assert "account.EmailAddress.email" in set(candidates())
    assert {"sandbox", "reports", "privacy"} <= {c.label for c in project_apps()}


def test_fields_kept_for_retention_can_be_scrubbed_later_without_the_person():
    # "redact" needs the person's names, which are gone when retention ends.
    for place in registry.places():
        if place.retention:
            for name in place.retention.fields:
                assert place.fields[name] != "redact", f"{place.label}.{name}"


def _field_at(model, lookup):
    field = None
    for part in lookup.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model or model
    return field


def test_every_subject_and_retention_path_of_the_map_resolves(db):
    # A lookup that names no field (`item__prepared_at` on a run entry) only
    # fails when a person who has such a row is erased: compile each one here.
    for place in registry.places():
        model = place.model
        for _kind, lookup, *_by in place.subject:
            str(model.objects.filter(**{lookup: 1}).query)
        if place.retention:
            str(model.objects.values_list(place.retention.date, flat=True).query)
            field = _field_at(model, place.retention.date)
            assert isinstance(field, models.DateField), f"{place.label}: {place.retention.date}"
