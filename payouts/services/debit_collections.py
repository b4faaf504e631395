"""Direct-debit collections (money coming in): the scheduled order debits of
one collection date gathered, approved by four eyes into a SEPA direct-debit
file, submitted, cancelled; a debit collected (the order is paid) or
returned by the bank (the order is cancelled or refunded, the customer told).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Order
from orders.services import order_cancel, order_mark_paid, order_refund

from .. import events, sepa, validators
from ..models import (
    DEBIT_RETURN_REASONS,
    DebitCollection,
    DebitMandate,
    DebitNotice,
    OrderDebit,
    PayoutLog,
    SequenceType,
)
from .audit import _require_perm, payout_log


def _collection_lock(collection: DebitCollection) -> DebitCollection:
    return DebitCollection.objects.select_for_update().get(pk=collection.pk)


def collection_date_check(*, collection_date, today=None) -> None:
    """A collection date is a TARGET2 day, far enough ahead for the file to
    reach the customer's bank one TARGET2 day before (SEPA core, D-1)."""
    today = today or timezone.localdate()
    if not sepa.target2_business_day(collection_date):
        raise ValidationError(
            {
                "collection_date": _(
                    "%(date)s is no TARGET2 business day (weekend, 1 January, Good Friday, "
                    "Easter Monday, 1 May, 25 or 26 December): choose another collection date."
                )
                % {"date": collection_date.strftime("%d.%m.%Y")}
            }
        )
    earliest = sepa.collection_date_earliest(today=today)
    if collection_date < earliest:
        raise ValidationError(
            {
                "collection_date": _(
                    "The bank needs the file one business day before the collection date: "
                    "the earliest collection date is now %(date)s."
                )
                % {"date": earliest.strftime("%d.%m.%Y")}
            }
        )


def _debit_collectable(debit: OrderDebit) -> bool:
    order = debit.order
    return (
        order.status == Order.Status.PENDING
        and order.payment_method == Order.PaymentMethod.DIRECT_DEBIT
        and debit.mandate.status == DebitMandate.Status.ACTIVE
    )


@transaction.atomic
def debit_collection_prepare(*, collection_date, actor, today=None) -> DebitCollection:
    """Gather the scheduled debits due by `collection_date` into that date's
    collection (one per date; a prepared one takes the newly due debits too).
    FRST for a mandate's first collection, RCUR after; a mandate gives at most
    one FRST per collection (its further debits wait for the next one). Debits
    of orders no longer pending are cancelled; those of a revoked mandate wait
    for an admin. Another admin approves (debit_collection_approve)."""
    _require_perm(
        actor,
        "payouts.prepare_debitcollection",
        _("You may not prepare direct debit collections."),
    )
    collection_date_check(collection_date=collection_date, today=today)
    collection = (
        DebitCollection.objects.select_for_update()
        .filter(collection_date=collection_date)
        .exclude(status=DebitCollection.Status.CANCELLED)
        .first()
    )
    if collection is not None and collection.status != DebitCollection.Status.PREPARED:
        raise ValidationError(
            _("The collection of %(date)s is already %(status)s; choose a later collection date.")
            % {
                "date": collection_date.strftime("%d.%m.%Y"),
                "status": collection.get_status_display(),
            }
        )
    debits = list(
        OrderDebit.objects.select_for_update()
        .select_related("order", "mandate")
        .filter(
            status=OrderDebit.Status.SCHEDULED,
            collection__isnull=True,
            due_date__lte=collection_date,
        )
        .order_by("due_date", "pk")
    )
    now = timezone.now()
    taken: list[OrderDebit] = []
    first_used: set[int] = set(
        collection.debits.filter(sequence_type=SequenceType.FIRST).values_list(
            "mandate_id", flat=True
        )
        if collection is not None
        else []
    )
    for debit in debits:
        if debit.order.status != Order.Status.PENDING:
            # Paid another way or cancelled: nothing to collect any more.
            debit.status = OrderDebit.Status.CANCELLED
            debit.save(update_fields=["status", "updated_at"])
            continue
        if not _debit_collectable(debit):
            continue
        if debit.mandate.first_collected_at is None:
            if debit.mandate_id in first_used:
                continue
            first_used.add(debit.mandate_id)
            debit.sequence_type = SequenceType.FIRST
        else:
            debit.sequence_type = SequenceType.RECURRING
        debit.amount = debit.order.total
        taken.append(debit)
    if not taken and collection is None:
        raise ValidationError(
            _("No direct debit is due by %(date)s.")
            % {"date": collection_date.strftime("%d.%m.%Y")}
        )
    if collection is None:
        collection = DebitCollection.objects.create(
            collection_date=collection_date, prepared_by=actor
        )
    for debit in taken:
        debit.collection = collection
        debit.save(update_fields=["collection", "sequence_type", "amount", "updated_at"])
    _collection_totals(collection)
    collection.prepared_by = actor
    collection.prepared_at = now
    collection.save(update_fields=["total", "count", "prepared_by", "prepared_at"])
    # Four eyes: whoever prepared or added to it never approves it.
    collection.contributors.add(actor)
    payout_log(
        action=PayoutLog.Action.COLLECTION_PREPARED,
        actor=actor,
        message=f"#{collection.pk} {collection_date}: {collection.count} debits, "
        f"{collection.total} EUR",
    )
    return collection


def _collection_totals(collection: DebitCollection) -> None:
    amounts = list(collection.debits.values_list("amount", flat=True))
    collection.count = len(amounts)
    collection.total = sum(amounts, Decimal("0"))


@transaction.atomic
def debit_collection_approve(*, collection: DebitCollection, actor, today=None) -> DebitCollection:
    """Four eyes: another admin than the preparer approves; the pain.008.001.08
    file is written now (debits whose order or mandate changed meanwhile are
    taken out and wait for a later collection)."""
    _require_perm(
        actor,
        "payouts.approve_debitcollection",
        _("You may not approve direct debit collections."),
    )
    collection = _collection_lock(collection)
    if collection.status != DebitCollection.Status.PREPARED:
        raise ValidationError(
            _("Only a prepared collection can be approved; this one is %(status)s.")
            % {"status": collection.get_status_display()}
        )
    if (
        collection.prepared_by_id == actor.pk
        or collection.contributors.filter(pk=actor.pk).exists()
    ):
        raise ValidationError(
            _("You prepared this collection yourself; another admin has to approve it.")
        )
    collection_date_check(collection_date=collection.collection_date, today=today)
    debits = list(
        collection.debits.select_for_update()
        .select_related("order", "mandate")
        .order_by("sequence_type", "pk")
    )
    entries = []
    for debit in debits:
        if not _debit_collectable(debit):
            debit.collection = None
            debit.sequence_type = ""
            debit.status = (
                OrderDebit.Status.SCHEDULED
                if debit.order.status == Order.Status.PENDING
                else OrderDebit.Status.CANCELLED
            )
            debit.save(update_fields=["collection", "sequence_type", "status", "updated_at"])
            continue
        mandate = debit.mandate
        entries.append(
            sepa.Debit(
                name=mandate.account_holder,
                iban=mandate.iban,
                bic=mandate.bic,
                amount=debit.amount,
                sequence_type=debit.sequence_type,
                mandate_reference=mandate.reference,
                mandate_signed=timezone.localdate(mandate.signed_at),
                end_to_end_id=debit.end_to_end_id,
                remittance=f"{settings.COMPANY_NAME} {debit.order.number}",
            )
        )
    if not entries:
        raise ValidationError(_("No debit of this collection can be made any more; cancel it."))
    made = sepa.sepa_direct_debit(
        debits=entries,
        collection_date=collection.collection_date,
        creditor_id=validators.creditor_id_normalise(settings.SEPA_CREDITOR_ID),
    )
    _collection_totals(collection)
    collection.sepa_xml = made.xml
    collection.sepa_sha256 = hashlib.sha256(made.xml).hexdigest()
    collection.message_id = made.message_id
    collection.batches = made.batches
    collection.status = DebitCollection.Status.APPROVED
    collection.approved_by = actor
    collection.approved_at = timezone.now()
    collection.save()
    payout_log(
        action=PayoutLog.Action.COLLECTION_APPROVED,
        actor=actor,
        message=f"#{collection.pk} {collection.collection_date}: {collection.count} debits, "
        f"{collection.total} EUR, SHA-256 {collection.sepa_sha256}",
    )
    return collection


@transaction.atomic
def debit_collection_submit(*, collection: DebitCollection, actor) -> DebitCollection:
    """The approved file went to the bank: its debits are on their way, and
    each mandate has had its first collection (later ones are RCUR)."""
    _require_perm(
        actor,
        "payouts.approve_debitcollection",
        _("You may not mark direct debit collections submitted."),
    )
    collection = _collection_lock(collection)
    if collection.status != DebitCollection.Status.APPROVED:
        raise ValidationError(_("Only an approved collection can be marked submitted."))
    now = timezone.now()
    collection.debits.update(status=OrderDebit.Status.SUBMITTED, updated_at=now)
    mandate_ids = set(collection.debits.values_list("mandate_id", flat=True))
    mandates = DebitMandate.objects.filter(pk__in=mandate_ids)
    mandates.filter(first_collected_at__isnull=True).update(first_collected_at=now)
    last_used = timezone.make_aware(datetime.combine(collection.collection_date, time.min))
    mandates.update(
        last_used_at=last_used, evidence_date=collection.collection_date, updated_at=now
    )
    collection.status = DebitCollection.Status.SUBMITTED
    collection.submitted_by = actor
    collection.submitted_at = now
    collection.save(update_fields=["status", "submitted_by", "submitted_at"])
    payout_log(
        action=PayoutLog.Action.COLLECTION_SUBMITTED,
        actor=actor,
        message=f"#{collection.pk} {collection.collection_date}",
    )
    return collection


@transaction.atomic
def debit_collection_cancel(*, collection: DebitCollection, actor) -> DebitCollection:
    """Before it went to the bank: its debits are scheduled again (the date is free)."""
    _require_perm(
        actor,
        "payouts.prepare_debitcollection",
        _("You may not cancel direct debit collections."),
    )
    collection = _collection_lock(collection)
    if collection.status not in (
        DebitCollection.Status.PREPARED,
        DebitCollection.Status.APPROVED,
    ):
        raise ValidationError(_("A collection sent to the bank cannot be cancelled."))
    collection.debits.update(collection=None, sequence_type="", status=OrderDebit.Status.SCHEDULED)
    collection.status = DebitCollection.Status.CANCELLED
    collection.cancelled_at = timezone.now()
    collection.save(update_fields=["status", "cancelled_at"])
    payout_log(
        action=PayoutLog.Action.COLLECTION_CANCELLED,
        actor=actor,
        message=f"#{collection.pk} {collection.collection_date}",
    )
    return collection


def _booked_at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@transaction.atomic
def order_debit_collect(*, debit: OrderDebit, collected_on, actor=None, note: str = "") -> bool:
    """The bank credited the debit: the order is paid through orders' normal
    path (its volume books in the period of the collection). Once only: False
    when the debit is not waiting for its money."""
    debit = OrderDebit.objects.select_for_update().select_related("order").get(pk=debit.pk)
    if debit.status != OrderDebit.Status.SUBMITTED:
        return False
    paid_at = max(_booked_at(collected_on), debit.order.placed_at)
    if debit.order.status == Order.Status.PENDING:
        order_mark_paid(
            order=debit.order,
            paid_at=paid_at,
            changed_by=actor,
            payment_reference=(
                f"SEPA-Lastschrift {debit.mandate.reference} {collected_on:%d.%m.%Y} {note}"
            ).strip()[:255],
        )
    debit.status = OrderDebit.Status.COLLECTED
    debit.collected_at = paid_at
    debit.save(update_fields=["status", "collected_at", "updated_at"])
    return True


@transaction.atomic
def order_debit_return(
    *, debit: OrderDebit, reason: str, returned_on=None, actor=None, note: str = ""
) -> OrderDebit:
    """A Rücklastschrift: the customer's bank sent the debit back (AC04 closed,
    AM04 no funds, MD06 the customer asked for a refund, ...). The order is
    refunded by the refund rules (its volume reversed: into its own period
    while open, else the open one) or cancelled if it was not paid yet; the
    partner is charged no fee; the customer gets an e-mail; listeners hear
    payouts.events.debit_returned (the subscriptions pause after a second one)."""
    reason = (reason or "").strip().upper()
    if reason not in DEBIT_RETURN_REASONS:
        raise ValidationError(
            _("Unknown return reason %(code)s; known are %(codes)s.")
            % {"code": reason or "-", "codes": ", ".join(DEBIT_RETURN_REASONS)}
        )
    debit = (
        OrderDebit.objects.select_for_update().select_related("order", "mandate").get(pk=debit.pk)
    )
    if debit.status not in (OrderDebit.Status.SUBMITTED, OrderDebit.Status.COLLECTED):
        raise ValidationError(_("Only a debit sent to the bank can come back."))
    returned_at = _booked_at(returned_on) if returned_on else timezone.now()
    order = debit.order
    why = _("Direct debit returned by the bank: %(code)s %(reason)s") % {
        "code": reason,
        "reason": DEBIT_RETURN_REASONS[reason],
    }
    if order.status in (Order.Status.PAID, Order.Status.SHIPPED):
        order_refund(
            order=order,
            changed_by=actor,
            reason=why,
            refunded_at=max(returned_at, order.paid_at),
            provider_reference=f"SEPA-Rücklastschrift {debit.end_to_end_id} {reason}"[:255],
        )
    elif order.status == Order.Status.PENDING:
        order_cancel(order=order, changed_by=actor, reason=why)
    debit.status = OrderDebit.Status.RETURNED
    debit.return_reason = reason
    debit.returned_at = returned_at
    debit.save(update_fields=["status", "return_reason", "returned_at", "updated_at"])
    DebitNotice.objects.get_or_create(order_debit=debit, kind=DebitNotice.Kind.RETURNED)
    debit_notice_enqueue_on_commit(debit.pk)
    payout_log(
        action=PayoutLog.Action.DEBIT_RETURNED,
        actor=actor,
        message=f"{order.number} {debit.amount} EUR {reason} {note}".strip(),
    )
    order.refresh_from_db()
    events.debit_returned.send(
        sender=OrderDebit, order=order, reason_code=reason, order_debit=debit
    )
    return debit


def debit_notice_enqueue_on_commit(debit_id: int) -> None:
    from ..tasks import debit_notice_enqueue

    transaction.on_commit(lambda: debit_notice_enqueue(debit_id))
