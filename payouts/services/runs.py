"""Payout runs (money going out): payout items from the closed statements,
a run prepared and approved by two different people (four eyes), the SEPA
credit transfer file, paid, cancelled; single payouts the bank returned and
their release.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from webhooks.models import EventType
from webhooks.services import webhook_events_record

from .. import events, sepa
from ..documents import credit_note_amounts
from ..models import RETURN_REASONS, PayoutItem, PayoutLog, PayoutProfile, PayoutRun, PayoutRunEntry
from ..selectors import payout_blockers
from .audit import _require_perm, payout_log
from .credit_notes import credit_note_issue


def payout_items_sync() -> int:
    """A payout item for every statement with payout > 0 that has none yet
    (statements of closed periods never change). Returns how many were made."""
    from commissions.models import Statement

    new = [
        PayoutItem(statement=statement, partner_id=statement.partner_id, net=statement.payout)
        for statement in Statement.objects.filter(payout__gt=0, payout_item__isnull=True)
        .order_by("pk")
        .only("pk", "partner_id", "payout")
    ]
    PayoutItem.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def payout_run_prepare(*, actor) -> PayoutRun:
    """A run from every payable item whose partner has a complete payout profile
    and no IBAN-change hold. The rest stay payable and are listed on the run
    with what is missing."""
    _require_perm(actor, "payouts.prepare_payoutrun", _("You may not prepare payout runs."))
    payout_items_sync()
    # One run waits for approval at a time: preparing again adds what became
    # payable to it, and whoever did so may not approve it either.
    open_run = (
        PayoutRun.objects.select_for_update()
        .filter(status=PayoutRun.Status.PREPARED)
        .order_by("pk")
        .first()
    )
    items = list(
        PayoutItem.objects.select_for_update()
        .filter(status=PayoutItem.Status.PAYABLE)
        .order_by("pk")
    )
    profiles = {
        p.partner_id: p
        for p in PayoutProfile.objects.filter(partner_id__in={i.partner_id for i in items})
    }
    now = timezone.now()
    ready, skipped = [], []
    for item in items:
        blockers = payout_blockers(profile=profiles.get(item.partner_id), at=now)
        if blockers:
            # Ids only: names are shown at read time (selectors.payout_run_left_out).
            skipped.append(
                {
                    "partner_id": item.partner_id,
                    "item": item.pk,
                    "net": str(item.net),
                    "missing": [str(b) for b in blockers],
                }
            )
        else:
            ready.append(item)
    if not ready and open_run is None:
        raise ValidationError(
            _("No payout can be made now: %(count)d payable, none with complete details.")
            % {"count": len(items)}
        )
    if open_run is None:
        run = PayoutRun.objects.create(prepared_by=actor, skipped=skipped)
    else:
        run = open_run
        run.skipped = skipped
        run.save(update_fields=["skipped"])
    run.contributors.add(actor)
    PayoutRunEntry.objects.bulk_create(
        [
            PayoutRunEntry(
                run=run,
                item=item,
                gross=item.credit_note.gross if item.credit_note_id else _gross_of(item, profiles),
            )
            for item in ready
        ]
    )
    PayoutItem.objects.filter(pk__in=[i.pk for i in ready]).update(
        status=PayoutItem.Status.IN_RUN, updated_at=now
    )
    run.total = sum(
        (e.gross for e in run.entries.filter(outcome=PayoutRunEntry.Outcome.IN_RUN)), Decimal("0")
    )
    run.save(update_fields=["total"])
    payout_log(
        action=PayoutLog.Action.RUN_PREPARED,
        actor=actor,
        payout_run=run,
        message=f"{len(ready)} payouts, {run.total} EUR; {len(skipped)} left out",
    )
    return run


def _gross_of(item: PayoutItem, profiles: dict) -> Decimal:
    profile = profiles[item.partner_id]
    return credit_note_amounts(
        net=item.net, tax_status=profile.tax_status, vat_rate=settings.COMMISSION_VAT_RATE
    ).gross


def _run_lock(run: PayoutRun) -> PayoutRun:
    return PayoutRun.objects.select_for_update().get(pk=run.pk)


@transaction.atomic
def payout_run_approve(*, run: PayoutRun, actor, execution_date=None) -> PayoutRun:
    """Four eyes: another admin than the preparer approves. Issues the credit
    notes (a returned item keeps its existing one) and writes the SEPA file."""
    _require_perm(actor, "payouts.approve_payoutrun", _("You may not approve payout runs."))
    run = _run_lock(run)
    if run.status != PayoutRun.Status.PREPARED:
        raise ValidationError(
            _("Only a prepared run can be approved; this one is %(status)s.")
            % {"status": run.get_status_display()}
        )
    if run.prepared_by_id == actor.pk or run.contributors.filter(pk=actor.pk).exists():
        raise ValidationError(
            _("You prepared this run yourself; another admin has to approve it (four eyes).")
        )
    now = timezone.now()
    transfers = []
    entries = list(
        run.entries.select_for_update()
        .select_related("item__statement__period")
        .filter(outcome=PayoutRunEntry.Outcome.IN_RUN)
        .order_by("item_id")
    )
    profiles = {
        p.partner_id: p
        for p in PayoutProfile.objects.filter(partner_id__in={e.item.partner_id for e in entries})
    }
    for entry in entries:
        item = entry.item
        profile = profiles.get(item.partner_id)
        blockers = payout_blockers(profile=profile, at=now)
        if blockers:  # e.g. the IBAN was changed after the run was prepared
            entry.outcome = PayoutRunEntry.Outcome.REMOVED
            entry.note = " ".join(str(b) for b in blockers)[:255]
            entry.save(update_fields=["outcome", "note"])
            PayoutItem.objects.filter(pk=item.pk).update(
                status=PayoutItem.Status.PAYABLE, updated_at=now
            )
            continue
        note = item.credit_note or credit_note_issue(item=item, actor=actor)
        entry.gross = note.gross
        entry.account_holder = profile.account_holder
        entry.iban = profile.iban
        entry.bic = profile.bic
        entry.end_to_end_id = note.number
        entry.remittance = f"Provision {item.statement.period.label} {note.number}"
        entry.save()
        transfers.append(
            sepa.Transfer(
                name=entry.account_holder,
                iban=entry.iban,
                bic=entry.bic,
                amount=entry.gross,
                end_to_end_id=entry.end_to_end_id,
                remittance=entry.remittance,
            )
        )
    if not transfers:
        raise ValidationError(_("No payout of this run can be made any more; cancel the run."))
    run.execution_date = execution_date or timezone.localdate()
    made = sepa.sepa_credit_transfer(transfers=transfers, execution_date=run.execution_date)
    run.sepa_xml = made.xml
    run.sepa_sha256 = hashlib.sha256(made.xml).hexdigest()
    run.message_id = made.message_id
    run.payment_info_id = made.payment_info_id
    run.total = sum((t.amount for t in transfers), Decimal("0"))
    run.status = PayoutRun.Status.APPROVED
    run.approved_by = actor
    run.approved_at = now
    run.save()
    payout_log(
        action=PayoutLog.Action.RUN_APPROVED,
        actor=actor,
        payout_run=run,
        message=f"{len(transfers)} transfers, {run.total} EUR, SHA-256 {run.sepa_sha256}",
    )
    return run


@transaction.atomic
def payout_run_cancel(*, run: PayoutRun, actor) -> PayoutRun:
    """Before approval only: the items go back to payable."""
    _require_perm(actor, "payouts.prepare_payoutrun", _("You may not cancel payout runs."))
    run = _run_lock(run)
    if run.status != PayoutRun.Status.PREPARED:
        raise ValidationError(_("Only a run that is not approved yet can be cancelled."))
    entries = run.entries.filter(outcome=PayoutRunEntry.Outcome.IN_RUN)
    PayoutItem.objects.filter(pk__in=entries.values("item_id")).update(
        status=PayoutItem.Status.PAYABLE, updated_at=timezone.now()
    )
    entries.update(outcome=PayoutRunEntry.Outcome.REMOVED, note="run cancelled")
    run.status = PayoutRun.Status.CANCELLED
    run.cancelled_by = actor
    run.cancelled_at = timezone.now()
    run.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    payout_log(action=PayoutLog.Action.RUN_CANCELLED, actor=actor, payout_run=run)
    return run


@transaction.atomic
def payout_run_mark_paid(*, run: PayoutRun, actor=None, paid_at=None, note: str = "") -> PayoutRun:
    """The bank confirmed the run (its debit on the statement, or an admin)."""
    if actor is not None:
        _require_perm(actor, "payouts.approve_payoutrun", _("You may not mark payout runs paid."))
    run = _run_lock(run)
    if run.status != PayoutRun.Status.APPROVED:
        raise ValidationError(_("Only an approved run can be marked paid."))
    paid_at = paid_at or timezone.now()
    entries = run.entries.filter(outcome=PayoutRunEntry.Outcome.IN_RUN)
    PayoutItem.objects.filter(
        pk__in=entries.values("item_id"), status=PayoutItem.Status.IN_RUN
    ).update(status=PayoutItem.Status.PAID, paid_at=paid_at, updated_at=timezone.now())
    entries.update(outcome=PayoutRunEntry.Outcome.PAID)
    run.status = PayoutRun.Status.PAID
    run.paid_by = actor
    run.paid_at = paid_at
    run.save(update_fields=["status", "paid_by", "paid_at"])
    payout_log(action=PayoutLog.Action.RUN_PAID, actor=actor, payout_run=run, message=note)
    events.payout_run_paid.send(sender=PayoutRun, run=run)
    webhook_events_record(
        event_type=EventType.PAYOUT_PAID,
        payloads=lambda: _payout_payloads(run.entries.filter(outcome=PayoutRunEntry.Outcome.PAID)),
    )
    return run


def _payout_payloads(entries):
    """`payout.paid` / `payout.returned` payloads, one per run entry: ids, the
    amount, the credit note number and the period; no name, IBAN or address."""
    rows = entries.order_by("pk").values_list(
        "item_id",
        "run_id",
        "gross",
        "return_reason",
        "item__partner_id",
        "item__partner__slug",
        "item__net",
        "item__credit_note__number",
        "item__statement__period_id",
        "item__statement__period__start",
        "item__paid_at",
        "item__returned_at",
    )
    for (
        item_id,
        run_id,
        gross,
        reason,
        partner_id,
        slug,
        net,
        note_number,
        period_id,
        period_start,
        paid_at,
        returned_at,
    ) in rows.iterator(chunk_size=2000):
        payload = {
            "item_id": item_id,
            "run_id": run_id,
            "partner": {"id": partner_id, "slug": slug},
            "amount": gross,
            "net": net,
            "currency": "EUR",
            "credit_note_number": note_number,
            "period": {"id": period_id, "label": f"{period_start:%Y-%m}"},
        }
        if reason:
            payload["return_reason"] = reason
            payload["returned_at"] = returned_at
        else:
            payload["paid_at"] = paid_at
        yield payload


@transaction.atomic
def payout_item_return(*, item: PayoutItem, reason: str, actor=None, note: str = "") -> PayoutItem:
    """The bank sent a transfer back (reason code AC01, AC04, MD07, ...). The
    item waits until the partner fixed their details; its credit note stays."""
    reason = reason.strip().upper()
    if reason not in RETURN_REASONS:
        raise ValidationError(
            _("Unknown return reason %(code)s; known are %(codes)s.")
            % {"code": reason or "-", "codes": ", ".join(RETURN_REASONS)}
        )
    item = PayoutItem.objects.select_for_update().get(pk=item.pk)
    entry = (
        item.entries.select_for_update()
        .filter(
            outcome__in=[PayoutRunEntry.Outcome.IN_RUN, PayoutRunEntry.Outcome.PAID],
            run__status__in=[PayoutRun.Status.APPROVED, PayoutRun.Status.PAID],
        )
        .order_by("-run_id")
        .first()
    )
    if item.status not in (PayoutItem.Status.IN_RUN, PayoutItem.Status.PAID) or entry is None:
        raise ValidationError(_("Only a payout sent to the bank can come back."))
    entry.outcome = PayoutRunEntry.Outcome.RETURNED
    entry.return_reason = reason
    entry.save(update_fields=["outcome", "return_reason"])
    item.status = PayoutItem.Status.RETURNED
    item.return_reason = reason
    item.returned_at = timezone.now()
    item.paid_at = None
    item.save(update_fields=["status", "return_reason", "returned_at", "paid_at", "updated_at"])
    payout_log(
        action=PayoutLog.Action.ITEM_RETURNED,
        actor=actor,
        partner=item.partner,
        payout_run=entry.run,
        message=f"{entry.end_to_end_id} {reason} {RETURN_REASONS[reason]} {note}".strip(),
    )
    events.payout_item_returned.send(sender=PayoutItem, item=item, entry=entry)
    webhook_events_record(
        event_type=EventType.PAYOUT_RETURNED,
        payloads=lambda: _payout_payloads(PayoutRunEntry.objects.filter(pk=entry.pk)),
    )
    return item


@transaction.atomic
def payout_item_release(*, item: PayoutItem, actor=None, note: str = "") -> PayoutItem:
    """A returned payout becomes payable again (the partner fixed their details);
    a later run pays it under its existing credit note."""
    item = PayoutItem.objects.select_for_update().get(pk=item.pk)
    if item.status != PayoutItem.Status.RETURNED:
        raise ValidationError(_("Only a returned payout can be released again."))
    item.status = PayoutItem.Status.PAYABLE
    item.save(update_fields=["status", "updated_at"])
    payout_log(
        action=PayoutLog.Action.ITEM_RELEASED, actor=actor, partner=item.partner, message=note
    )
    return item
