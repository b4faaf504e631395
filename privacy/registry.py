"""The one map of where personal data lives: each app declares it beside its
models in `<app>/personal_data.py` (PERSONAL_DATA, NOT_PERSONAL); this module
collects the declarations and resolves them to models and querysets.

tests/privacy/test_map.py walks every model field of the project and fails when
one that looks personal is in neither list."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Model, Q, QuerySet

# The apps that declare a map (privacy itself keeps only pseudonymous rows).
DECLARING_APPS = [
    "partners",
    "orders",
    "invoices",
    "landing",
    "qualification",
    "commissions",
    "payouts",
    "subscriptions",
    "returns",
    "fulfilment",
    "webhooks",
    "notifications",
    "privacy",
]

SUBJECT_KINDS = ("partner", "customer")


@dataclass(frozen=True)
class Retention:
    years: int
    date: str  # a lookup to the document's date
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    label: str
    subject: tuple[tuple[str, str], ...]
    fields: dict[str, str]
    content_type: str | None = None
    retention: Retention | None = None
    extra: dict = field(default_factory=dict)

    @property
    def model(self) -> type[Model]:
        # "app.Model#part": a second place on one model, for another kind of subject.
        return apps.get_model(self.label.split("#")[0])

    def kinds(self) -> set[str]:
        return {kind for kind, *_rest in self.subject}

    def rows(self, *, kind: str, subject_id: int, email: str = "", slug: str = "") -> QuerySet:
        """The rows of one person. A subject entry (kind, lookup) compares the
        lookup with the person's id; (kind, lookup, "email" or "slug") with their
        e-mail address or landing page address."""
        condition = Q()
        values = {"email": email, "slug": slug}
        for subject_kind, lookup, *by in self.subject:
            if subject_kind != kind:
                continue
            if by:
                if values[by[0]]:
                    condition |= Q(**{lookup: values[by[0]]})
            else:
                condition |= Q(**{lookup: str(subject_id) if lookup == "object_id" else subject_id})
        model = self.model
        if not condition:
            return model.objects.none()
        rows = model.objects.filter(condition)
        if self.content_type:
            app_label, model_name = self.content_type.split(".")
            rows = rows.filter(content_type__app_label=app_label, content_type__model=model_name)
        return rows.distinct().order_by("pk")


def _modules():
    for app in DECLARING_APPS:
        yield importlib.import_module(f"{app}.personal_data")


def places() -> list[Place]:
    found = []
    for module in _modules():
        for label, spec in module.PERSONAL_DATA.items():
            retention = spec.get("retention")
            found.append(
                Place(
                    label=label,
                    subject=tuple(tuple(s) for s in spec["subject"]),
                    fields=dict(spec["fields"]),
                    content_type=spec.get("content_type"),
                    retention=Retention(
                        years=retention["years"],
                        date=retention["date"],
                        fields=tuple(retention["fields"]),
                    )
                    if retention
                    else None,
                )
            )
    return found


def place(label: str) -> Place:
    for found in places():
        if found.label == label:
            return found
    raise LookupError(label)


def mapped_fields() -> set[str]:
    """Every `app.Model.field` the map names."""
    return {f"{p.model._meta.label}.{name}" for p in places() for name in p.fields}


def export_only() -> list[Place]:
    """Rows about a person without personal data of their own (books): exported, never scrubbed."""
    found = []
    for module in _modules():
        for label, subject in getattr(module, "EXPORT_ALSO", {}).items():
            found.append(Place(label=label, subject=tuple(tuple(s) for s in subject), fields={}))
    return found


def not_personal() -> dict[str, str]:
    reasons = {}
    for module in _modules():
        reasons.update(module.NOT_PERSONAL)
    return reasons
