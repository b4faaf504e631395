"""Writes about personal data: erasure (Art. 17, with Art. 18 restriction where
retention law keeps a record), retention scrubbing, exports (Art. 15/20) and
erasure requests. The map of what to scrub is privacy/registry.py.

Why one module of about 600 lines: erasure, retention, exports and
requests all walk the same registry with the same subject and identifier
helpers; split it by right (erasure / export) when it grows further.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from orders.models import Customer
from partners.csvio import CsvWriter
from partners.models import ApiToken, Partner, User
from partners.services import partner_set_status
from partners.slugs import slug_block
from subscriptions.services import subscriptions_cancel_for_erasure

from . import registry
from .models import ConsentRecord, ErasureLog, ErasureRequest, ExportJob, Restriction, SubjectKind

ERASED_NAME = "Gelöscht"
REDACTED = "[gelöscht]"
EXPORT_DAYS = 7
# Never in an export: secrets and machine state.
EXPORT_SKIP = {"password", "token_hash", "checkout_token", "path", "pdf", "xml"}


def slug_block_days() -> int:
    return getattr(settings, "PRIVACY_SLUG_BLOCK_DAYS", 365)


def retention_end(*, document_date: date | datetime, years: int) -> date:
    """Retention counts from the end of the document's year (§ 147 (4) AO, § 257 (5) HGB)."""
    if isinstance(document_date, datetime):
        document_date = timezone.localdate(document_date)
    return date(document_date.year + years, 12, 31)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# --- who is the subject -----------------------------------------------------


def _subject(kind: str, subject_id: int):
    if kind == SubjectKind.PARTNER:
        return Partner.objects.select_related("user").filter(pk=subject_id).first()
    if kind == SubjectKind.CUSTOMER:
        return Customer.objects.filter(pk=subject_id).first()
    raise ValidationError(_("Unknown kind of data subject."))


def _identifiers(kind: str, subject) -> list[str]:
    """The strings that name the person, to be cut out of free texts."""
    values = [subject.first_name, subject.last_name, getattr(subject, "full_name", "")]
    if kind == SubjectKind.PARTNER:
        values += [subject.slug, subject.user.email]
        profile = getattr(subject, "payout_profile", None)
        if profile is not None:
            values += [profile.account_holder, profile.iban, profile.street, profile.company_name]
    else:
        values.append(subject.email)
    found = {v.strip() for v in values if v and len(v.strip()) >= 3}
    return sorted(found, key=len, reverse=True)


def _own_customer(partner: Partner) -> Customer | None:
    """A partner's own orders go under a customer with the partner's e-mail."""
    return Customer.objects.filter(email=partner.user.email).first()


# --- scrubbing --------------------------------------------------------------


def _value(strategy: str, *, current, kind: str, subject_id: int, identifiers: list[str]):
    if strategy == "name":
        return ERASED_NAME if current else current
    if strategy == "email":
        return f"erased-{kind[0]}{subject_id}@invalid"
    if strategy in ("blank", "file"):
        return ""
    if strategy == "null":
        return None
    if strategy == "slug":
        return f"geloescht-{subject_id}"
    if strategy == "unusable_password":
        return current if current and current.startswith("!") else make_password(None)
    if strategy == "json_blank":
        return {key: "" for key in (current or {})} if isinstance(current, dict) else {}
    if strategy == "bytes_blank":
        return b""
    if strategy == "json_redact":
        text = json.dumps(current, cls=DjangoJSONEncoder, ensure_ascii=False)
        for identifier in identifiers:
            text = re.sub(
                re.escape(json.dumps(identifier, ensure_ascii=False)[1:-1]),
                REDACTED,
                text,
                flags=re.IGNORECASE,
            )
        return json.loads(text)
    if strategy == "label":
        return _label_value(current or "", identifiers)
    if strategy == "pseudonym":  # a unique value (a tracking number) stays unique
        if not current or current.startswith("geloescht-"):
            return current
        return "geloescht-" + salted_hmac("privacy.pseudonym", current).hexdigest()[:12]
    if strategy == "redact":
        text = current or ""
        for identifier in identifiers:
            text = re.sub(re.escape(identifier), REDACTED, text, flags=re.IGNORECASE)
        return text
    raise ValueError(f"unknown strategy {strategy}")


def _label_value(label: str, identifiers: list[str]) -> str:
    """A label that names the person (a campaign "mueller-herbst") becomes a
    pseudonym of the label itself: the same label gives the same pseudonym
    wherever it is stored (campaign and its visit counts still agree), two
    labels stay two (unique per partner), and it is still a valid label."""
    lowered = label.lower()
    if not any(identifier.lower() in lowered for identifier in identifiers):
        return label
    return "geloescht-" + salted_hmac("privacy.label", label).hexdigest()[:12]


def _scrub_row(place: registry.Place, row, names, *, kind, subject_id, identifiers) -> bool:
    changes = {}
    for name in names:
        current = getattr(row, name)
        if isinstance(current, memoryview):
            current = bytes(current)
        if place.fields[name] == "file" and current:
            current.delete(save=False)
            current = current.name
        new = _value(
            place.fields[name],
            current=current,
            kind=kind,
            subject_id=subject_id,
            identifiers=identifiers,
        )
        if new != current:
            changes[name] = new
    if changes:
        # update(): scrubbing is not an edit of the business record (no save() hooks).
        type(row).objects.filter(pk=row.pk).update(**changes)
    return bool(changes)


def _document_date(place: registry.Place, row, *, today: date):
    """The date retention counts from; a document without one yet (not paid,
    not booked) counts from today, so it is kept rather than scrubbed."""
    found = type(row).objects.filter(pk=row.pk).values_list(place.retention.date, flat=True).first()
    return found or today


def _erase_places(
    *,
    kind: str,
    subject_id: int,
    identifiers: list[str],
    today: date,
    email: str = "",
    slug: str = "",
):
    scrubbed, restricted = set(), set()
    for place in registry.places():
        if kind not in place.kinds():
            continue
        for row in place.rows(kind=kind, subject_id=subject_id, email=email, slug=slug):
            keep: tuple[str, ...] = ()
            if place.retention:
                until = retention_end(
                    document_date=_document_date(place, row, today=today),
                    years=place.retention.years,
                )
                if today <= until:
                    keep = place.retention.fields
                    Restriction.objects.get_or_create(
                        model_label=place.label,
                        object_id=row.pk,
                        subject_kind=kind,
                        subject_id=subject_id,
                        defaults={"retain_until": until},
                    )
                    restricted.add(place.label)
            names = [name for name in place.fields if name not in keep]
            if _scrub_row(
                place, row, names, kind=kind, subject_id=subject_id, identifiers=identifiers
            ):
                scrubbed.add(place.label)
    return sorted(scrubbed), sorted(restricted)


@transaction.atomic
def person_erase(
    *,
    subject_kind: str,
    subject_id: int,
    actor=None,
    request: ErasureRequest | None = None,
    today: date | None = None,
    replay: bool = False,
) -> list[ErasureLog]:
    """Pseudonymise a partner or customer per the map: personal fields scrubbed,
    booking records (amounts, ledger, statements, credit notes) kept with their
    ids, records under retention restricted until it ends. A partner is also
    terminated (customers re-bound by partners' rules, landing page gone), their
    login disabled and their address blocked from reuse. Logged without personal
    data; `replay=True` re-applies a logged erasure and logs nothing new."""
    today = _today(today)
    subject = _subject(subject_kind, subject_id)
    if subject is None:
        if replay:
            return []
        raise ValidationError(_("There is no such person to erase."))
    logs = []
    if subject_kind == SubjectKind.PARTNER:
        partner = subject
        own_customer = _own_customer(partner)
        identifiers = _identifiers(subject_kind, partner)
        if not partner.slug.startswith("geloescht-"):
            slug_block(slug=partner.slug, until=today + timedelta(days=slug_block_days()))
        User.objects.filter(pk=partner.user_id).update(is_active=False)
        ApiToken.objects.filter(partner=partner, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        # Scrubbed first, so what the termination writes and sends (re-binding
        # log, webhook) names the pseudonym only.
        scrubbed, restricted = _erase_places(
            kind=subject_kind,
            subject_id=subject_id,
            identifiers=identifiers,
            today=today,
            slug=partner.slug,
        )
        if partner.status != Partner.Status.TERMINATED:
            partner_set_status(
                partner=partner,
                status=Partner.Status.TERMINATED,
                changed_by=actor,
                reason=_("Erasure of personal data (Art. 17 GDPR)."),
            )
        logs.append((subject_kind, subject_id, scrubbed, restricted))
        if own_customer is not None:
            logs.extend(_erase_customer(own_customer, identifiers, today))
    else:
        logs.extend(_erase_customer(subject, _identifiers(subject_kind, subject), today))
    for kind, sid, *_rest in logs:
        exports_of_person_delete(subject_kind=kind, subject_id=sid)
    if replay:
        return []
    now = timezone.now()
    if request is not None:
        ErasureRequest.objects.filter(pk=request.pk).update(
            status=ErasureRequest.Status.EXECUTED,
            executed_at=now,
            approved_by=actor,
            approved_at=now,
        )
    return [
        ErasureLog.objects.create(
            subject_kind=kind,
            subject_id=sid,
            executed_at=now,
            scrubbed=scrubbed,
            restricted=restricted,
            request=request,
        )
        for kind, sid, scrubbed, restricted in logs
    ]


def _erase_customer(customer: Customer, identifiers: list[str], today: date):
    # A subscription is a running contract: it ends before its data is scrubbed.
    subscriptions_cancel_for_erasure(customer=customer)
    identifiers = sorted(
        set(identifiers) | set(_identifiers(SubjectKind.CUSTOMER, customer)), key=len, reverse=True
    )
    scrubbed, restricted = _erase_places(
        kind=SubjectKind.CUSTOMER,
        subject_id=customer.pk,
        identifiers=identifiers,
        today=today,
        email=customer.email,
    )
    Customer.objects.filter(pk=customer.pk, pseudonymised_at__isnull=True).update(
        pseudonymised_at=timezone.now()
    )
    return [(SubjectKind.CUSTOMER, customer.pk, scrubbed, restricted)]


def erasures_replay() -> int:
    """After a backup restore: re-apply every logged erasure, oldest first
    (idempotent), then scrub what retention no longer keeps."""
    count = 0
    for log in ErasureLog.objects.order_by("executed_at", "pk"):
        person_erase(
            subject_kind=log.subject_kind,
            subject_id=log.subject_id,
            replay=True,
            today=timezone.localdate(log.executed_at),
        )
        count += 1
    retention_scrub_expired()
    return count


@transaction.atomic
def retention_scrub_expired(*, today: date | None = None) -> int:
    """Scrub the restricted records whose retention has ended."""
    today = _today(today)
    done = 0
    due = Restriction.objects.select_for_update().filter(
        retain_until__lt=today, scrubbed_at__isnull=True
    )
    for restriction in due.order_by("pk"):
        place = next(
            (
                p
                for p in registry.places()
                if p.label == restriction.model_label
                and p.retention
                and restriction.subject_kind in p.kinds()
            ),
            None,
        )
        row = place.model.objects.filter(pk=restriction.object_id).first() if place else None
        if row is not None:
            _scrub_row(
                place,
                row,
                place.retention.fields,
                kind=restriction.subject_kind,
                subject_id=restriction.subject_id,
                identifiers=[],
            )
        restriction.scrubbed_at = timezone.now()
        restriction.save(update_fields=["scrubbed_at"])
        done += 1
    return done


# --- erasure requests ----------------------------------------------------------


@transaction.atomic
def erasure_request_create(*, partner: Partner, password: str) -> ErasureRequest:
    """A partner asks to be erased; the password proves it is them."""
    if not partner.user.check_password(password or ""):
        raise ValidationError({"password": _("The password is not correct.")})
    existing = ErasureRequest.objects.filter(
        subject_kind=SubjectKind.PARTNER,
        subject_id=partner.pk,
        status=ErasureRequest.Status.REQUESTED,
    ).first()
    if existing:
        return existing
    return ErasureRequest.objects.create(
        subject_kind=SubjectKind.PARTNER,
        subject_id=partner.pk,
        requested_by=partner.user,
        password_confirmed=True,
    )


@transaction.atomic
def erasure_request_approve(*, request: ErasureRequest, actor) -> list[ErasureLog]:
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ErasureRequest.Status.REQUESTED:
        raise ValidationError(_("This request has already been handled."))
    if not (actor and actor.has_perm("privacy.approve_erasurerequest")):
        raise ValidationError(_("Only an administrator can approve an erasure."))
    return person_erase(
        subject_kind=request.subject_kind,
        subject_id=request.subject_id,
        actor=actor,
        request=request,
    )


@transaction.atomic
def erasure_request_reject(*, request: ErasureRequest, actor) -> ErasureRequest:
    updated = ErasureRequest.objects.filter(
        pk=request.pk, status=ErasureRequest.Status.REQUESTED
    ).update(status=ErasureRequest.Status.REJECTED, approved_by=actor, approved_at=timezone.now())
    if not updated:
        raise ValidationError(_("This request has already been handled."))
    request.refresh_from_db()
    return request


# --- export -------------------------------------------------------------------


def _row_values(row, fields) -> list:
    values = []
    for field in fields:
        value = getattr(row, field.attname)
        if isinstance(field, models.FileField):
            value = value.name if value else ""
        values.append(value)
    return values


def person_export(
    *, subject_kind: str, subject_id: int, progress: Callable[[int], None] | None = None
) -> bytes:
    """Everything stored about the person, as a ZIP: one JSON and one CSV per kind
    of record, and README.txt naming every field."""
    if _subject(subject_kind, subject_id) is None:
        raise ValidationError(_("There is no such person."))
    subject = _subject(subject_kind, subject_id)
    subjects = [(subject_kind, subject_id, getattr(subject, "email", ""))]
    if subject_kind == SubjectKind.PARTNER:
        own = _own_customer(subject)
        if own is not None:
            subjects.append((SubjectKind.CUSTOMER, own.pk, own.email))
    places = [
        p
        for p in registry.places() + registry.export_only()
        if any(kind in p.kinds() for kind, _sid, _email in subjects)
    ]
    buffer = io.BytesIO()
    readme = [
        _("Your personal data, as stored on %(date)s.") % {"date": timezone.localdate()},
        _("Each kind of record comes as JSON and as CSV (same content)."),
        "",
    ]
    seen = set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, place in enumerate(places, start=1):
            model = place.model
            fields = [
                f
                for f in model._meta.concrete_fields
                if f.name not in EXPORT_SKIP and not isinstance(f, models.BinaryField)
            ]
            rows = []
            for kind, sid, email in subjects:
                rows += [
                    r
                    for r in place.rows(kind=kind, subject_id=sid, email=email)
                    if (place.label, r.pk) not in seen
                ]
                seen.update((place.label, r.pk) for r in rows)
            if rows:
                name = place.label.replace(".", "_").lower()
                header = [f.attname for f in fields]
                data = [dict(zip(header, _row_values(r, fields), strict=True)) for r in rows]
                archive.writestr(
                    f"{name}.json",
                    json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                )
                text = io.StringIO()
                writer = CsvWriter(text)
                writer.writerow(header)
                for item in data:
                    writer.writerow([_csv(v) for v in item.values()])
                archive.writestr(f"{name}.csv", text.getvalue())
                readme.append(
                    f"{name}.json / {name}.csv: {model._meta.verbose_name_plural} ({len(rows)})"
                )
                readme += [f"  {f.attname}: {f.verbose_name}" for f in fields]
                readme.append("")
            if progress:
                progress(int(index * 100 / len(places)))
        archive.writestr("README.txt", "\n".join(str(line) for line in readme) + "\n")
    return buffer.getvalue()


def _csv(value):
    if isinstance(value, dict | list):
        return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return "" if value is None else value


def export_interval() -> timedelta:
    """How long after an export the next one of the same person can be asked for."""
    return timedelta(hours=getattr(settings, "PRIVACY_EXPORT_INTERVAL_HOURS", 24))


@transaction.atomic
def export_job_create(*, subject_kind: str, subject_id: int, requested_by) -> ExportJob:
    """One export per person at a time, and one a day: building one reads
    everything about the person, and each is a copy of their data."""
    subject = _subject(subject_kind, subject_id)
    if subject is None:
        raise ValidationError(_("There is no such person."))
    # The person's row is the lock: two clicks at once make one export.
    type(subject).objects.select_for_update().filter(pk=subject.pk).first()
    jobs = ExportJob.objects.filter(subject_kind=subject_kind, subject_id=subject_id)
    if jobs.filter(status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING]).exists():
        raise ValidationError(
            _("An export of this person's data is being prepared already; it is shown when ready.")
        )
    recent = (
        jobs.filter(status=ExportJob.Status.DONE, created_at__gt=timezone.now() - export_interval())
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        raise ValidationError(
            _(
                "This person's data was exported at %(time)s; the next export can be asked "
                "for from %(next)s. The last one can be downloaded until then."
            )
            % {
                "time": timezone.localtime(recent.created_at).strftime("%d.%m.%Y %H:%M"),
                "next": timezone.localtime(recent.created_at + export_interval()).strftime(
                    "%d.%m.%Y %H:%M"
                ),
            }
        )
    job = ExportJob.objects.create(
        subject_kind=subject_kind, subject_id=subject_id, requested_by=requested_by
    )
    from .tasks import export_build

    transaction.on_commit(lambda: export_build.delay(job.pk))
    return job


def export_job_build(*, job_id: int) -> ExportJob:
    job = ExportJob.objects.get(pk=job_id)
    started = ExportJob.objects.filter(
        pk=job.pk, status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING]
    ).update(status=ExportJob.Status.RUNNING, progress=0)
    if not started:  # built already, or stopped by the person's erasure
        return job

    def progress(percent: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(progress=min(percent, 99))

    try:
        data = person_export(
            subject_kind=job.subject_kind, subject_id=job.subject_id, progress=progress
        )
    except Exception:
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED)
        raise
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ExportJob.Status.RUNNING:
            return job  # stopped meanwhile (the person was erased): no file
        job.file.save(
            f"export-{job.subject_kind}-{job.subject_id}-{job.pk}.zip",
            ContentFile(data),
            save=False,
        )
        job.status = ExportJob.Status.DONE
        job.progress = 100
        job.finished_at = timezone.now()
        job.expires_at = job.finished_at + timedelta(days=EXPORT_DAYS)
        job.save(update_fields=["file", "status", "progress", "finished_at", "expires_at"])
    return job


def exports_of_person_delete(*, subject_kind: str, subject_id: int) -> int:
    """An erasure takes the person's exports with it: the ZIP files are deleted
    (after commit, so a rolled-back erasure keeps them), every download link of
    theirs stops working at once, and an export still being built is stopped."""
    jobs = ExportJob.objects.select_for_update().filter(
        subject_kind=subject_kind, subject_id=subject_id
    )
    names = [name for name in jobs.exclude(file="").values_list("file", flat=True)]
    now = timezone.now()
    jobs.filter(status__in=[ExportJob.Status.PENDING, ExportJob.Status.RUNNING]).update(
        status=ExportJob.Status.FAILED
    )
    count = jobs.exclude(file="").update(file="", expires_at=now)
    storage = ExportJob._meta.get_field("file").storage

    def delete_files():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return count


def exports_expired_delete(*, now: datetime | None = None) -> int:
    """Expired export files are deleted (they are copies of personal data)."""
    now = now or timezone.now()
    count = 0
    for job in ExportJob.objects.filter(expires_at__lt=now).exclude(file=""):
        job.file.delete(save=False)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count


@transaction.atomic
def erasure_request_enter(*, subject_kind: str, subject_id: int, actor) -> ErasureRequest:
    """An admin records a request that came by letter, e-mail or phone."""
    if _subject(subject_kind, subject_id) is None:
        raise ValidationError(_("There is no such person."))
    existing = ErasureRequest.objects.filter(
        subject_kind=subject_kind, subject_id=subject_id, status=ErasureRequest.Status.REQUESTED
    ).first()
    return existing or ErasureRequest.objects.create(
        subject_kind=subject_kind, subject_id=subject_id, requested_by=actor
    )


def consent_record(*, accepted: bool, text_version: str) -> ConsentRecord:
    return ConsentRecord.objects.create(
        choice=ConsentRecord.Choice.ACCEPTED if accepted else ConsentRecord.Choice.DECLINED,
        text_version=text_version,
    )
