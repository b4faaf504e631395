"""Writes of the outgoing webhooks.

Semantics (Standard Webhooks): delivery is *at least once*. A Message and its
Deliveries are written in the caller's transaction (rolled back with it) and sent
after commit. A worker claims a delivery (a conditional UPDATE) before it posts,
so two workers never send the same delivery at once, and a delivery recorded as
delivered is never sent again. A worker killed after the POST but before it could
record the answer leaves the claim to run out; the retried task then sends again
with the same `webhook-id`, which is the receiver's idempotency key: it must
ignore an id it has processed already. Replays keep the webhook id too.
"""

import base64
import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import standardwebhooks
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import mail_admins, send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.csvio import IdReserver, RowWriter

from . import transport
from .addresses import endpoint_url_check
from .models import Attempt, Delivery, Endpoint, EventType, Message

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd, ... failed attempt: about 28 hours in all, then the
# delivery has failed. (Standard Webhooks / Svix use the same shape.)
RETRY_SCHEDULE = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
# An endpoint that has failed every attempt for this long is disabled.
DISABLE_AFTER = timedelta(days=1)
# How long a worker may hold a delivery; longer than the HTTP timeout.
CLAIM_SECONDS = 60
# After a rotation the old secret signs too (a second signature) for this long.
ROTATION_OVERLAP = timedelta(hours=24)


def webhook_secret_generate() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_id_generate() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _enqueue_on_commit(delivery_ids: list[int]) -> None:
    def enqueue():
        from .tasks import deliver_webhook

        for delivery_id in delivery_ids:
            try:
                deliver_webhook.delay(delivery_id)
            except Exception:
                # The broker is down (or, in eager mode, the attempt broke): the
                # caller's change stands and the beat sweep sends it later.
                logger.exception(
                    "Webhook delivery %s not enqueued; the sweep sends it.", delivery_id
                )

    transaction.on_commit(enqueue)


def _message_create(*, event_type: str, payload: dict, endpoints: list[Endpoint]) -> Message:
    message = Message.objects.create(
        webhook_id=webhook_id_generate(), event_type=event_type, payload=payload
    )
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [Delivery(message=message, endpoint=e, next_attempt_at=now) for e in endpoints]
    )
    _enqueue_on_commit([d.pk for d in deliveries])
    return message


def webhook_event_record(*, event_type: str, payload: dict | Callable[[], dict]) -> Message | None:
    """The one entry point for every app: call it inside the transaction of the
    change the event reports. Writes the event to the outbox with one delivery per
    active endpoint that subscribes to it (nothing when none does) and sends them
    after commit. The payload: ids and amounts (Decimal becomes a string); a
    function is called only when some endpoint subscribes."""
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    endpoints = [
        e
        for e in Endpoint.objects.filter(is_active=True).only("pk", "events")
        if e.subscribes_to(event_type)
    ]
    if not endpoints:
        return None
    if callable(payload):
        payload = payload()
    # Atomic only when it writes: most events (a sign-up, an order) meet no
    # subscriber, and a savepoint around the read alone is two more statements.
    with transaction.atomic():
        return _message_create(event_type=event_type, payload=payload, endpoints=endpoints)


# Deliveries of a bulk record are handed to the broker in chunks of this many
# by one task each (a close with 100,000 statements must not post 100,000 tasks
# from the request that closed it).
ENQUEUE_CHUNK = 1000
BULK_BATCH = 2000


def _enqueue_many_on_commit(delivery_ids: list[int]) -> None:
    def enqueue():
        from .tasks import enqueue_webhook_deliveries

        for start in range(0, len(delivery_ids), ENQUEUE_CHUNK):
            try:
                enqueue_webhook_deliveries.delay(delivery_ids[start : start + ENQUEUE_CHUNK])
            except Exception:
                logger.exception("Webhook deliveries not enqueued; the sweep sends them.")

    transaction.on_commit(enqueue)


def _bulk_create(event_type, payloads, endpoints, now) -> tuple[int, list[int]]:
    count = 0
    delivery_ids: list[int] = []
    batch: list[Message] = []

    def flush():
        messages = Message.objects.bulk_create(batch)
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(message=m, endpoint=e, next_attempt_at=now)
                for m in messages
                for e in endpoints
            ],
            batch_size=BULK_BATCH,
        )
        delivery_ids.extend(d.pk for d in deliveries)
        batch.clear()

    for payload in payloads:
        batch.append(
            Message(webhook_id=webhook_id_generate(), event_type=event_type, payload=payload)
        )
        count += 1
        if len(batch) >= BULK_BATCH:
            flush()
    if batch:
        flush()
    return count, delivery_ids


def _bulk_copy(event_type, payloads, endpoints, now) -> tuple[int, list[int]]:
    """PostgreSQL: ids from the sequences, rows by COPY (the payload as JSON text,
    encoded as the Message field encodes it)."""
    message_ids, delivery_pks = (
        IdReserver(Message, batch=BULK_BATCH * 10),
        IdReserver(Delivery, batch=BULK_BATCH * 10),
    )
    messages, deliveries, delivery_ids = [], [], []
    encoder = Message._meta.get_field("payload").encoder
    for payload in payloads:
        message_id = message_ids.take()
        messages.append(
            (message_id, webhook_id_generate(), event_type, json.dumps(payload, cls=encoder))
        )
        for endpoint in endpoints:
            delivery_id = delivery_pks.take()
            delivery_ids.append(delivery_id)
            deliveries.append((delivery_id, message_id, endpoint.pk, now))
    RowWriter(Message, ("id", "webhook_id", "event_type", "payload")).write(messages)
    RowWriter(Delivery, ("id", "message_id", "endpoint_id", "next_attempt_at")).write(deliveries)
    return len(messages), delivery_ids


@transaction.atomic
def webhook_events_record(
    *, event_type: str, payloads: Iterable[dict] | Callable[[], Iterable[dict]]
) -> int:
    """The bulk form of webhook_event_record (one event per item, e.g. one per
    commission statement at a close): same rules, written by COPY on PostgreSQL
    (bulk_create in batches elsewhere). `payloads` may be a function, called only when some endpoint
    subscribes. Returns the number of events written."""
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    endpoints = [
        e
        for e in Endpoint.objects.filter(is_active=True).only("pk", "events")
        if e.subscribes_to(event_type)
    ]
    if not endpoints:
        return 0
    if callable(payloads):
        payloads = payloads()
    now = timezone.now()
    if connection.vendor == "postgresql":
        count, delivery_ids = _bulk_copy(event_type, payloads, endpoints, now)
    else:
        count, delivery_ids = _bulk_create(event_type, payloads, endpoints, now)
    if delivery_ids:
        _enqueue_many_on_commit(delivery_ids)
    return count


def webhook_endpoint_save(*, endpoint: Endpoint) -> tuple[Endpoint, str | None]:
    """Create or edit an endpoint. Returns the endpoint and, for a new one, its
    secret (shown to the admin once)."""
    endpoint_url_check(endpoint.url)
    unknown = set(endpoint.events or []) - {v for v in EventType.values if v != EventType.PING}
    if unknown:
        raise ValidationError(
            {"events": _("Unknown events: %(events)s") % {"events": ", ".join(sorted(unknown))}}
        )
    new_secret = None
    if endpoint.pk is None:
        new_secret = endpoint.secret = webhook_secret_generate()
    endpoint.save()
    return endpoint, new_secret


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: Endpoint) -> str:
    """A new secret signs from now on; the old one signs as well (a second
    signature) for ROTATION_OVERLAP, so the receiver can switch calmly."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.secret = webhook_secret_generate()
    endpoint.rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "previous_secret", "rotated_at", "updated_at"])
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: Endpoint) -> Endpoint:
    endpoint_url_check(endpoint.url)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save(
        update_fields=["is_active", "disabled_at", "disabled_reason", "failing_since", "updated_at"]
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: Endpoint, reason: str) -> Endpoint:
    """Stop sending to the endpoint; its pending deliveries are abandoned (an admin
    can replay them after re-enabling it). The admins are told by e-mail."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if not endpoint.is_active:
        return endpoint
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:255]
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.ABANDONED, next_attempt_at=None
    )
    subject = _("Webhook endpoint disabled: %(url)s") % {"url": endpoint.url}
    body = _(
        "The webhook endpoint %(url)s was disabled: %(reason)s\n\n"
        "Its pending deliveries were abandoned. Fix the receiver, enable the endpoint "
        "in the admin and replay the deliveries you need."
    ) % {"url": endpoint.url, "reason": endpoint.disabled_reason}
    transaction.on_commit(lambda: _admins_tell(subject, body), robust=True)
    return endpoint


def _admins_tell(subject: str, body: str) -> None:
    """E-mail settings.ADMINS, or else the active superusers."""
    if settings.ADMINS:
        mail_admins(subject, body, fail_silently=True)
        return
    recipients = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        send_mail(subject, body, None, recipients, fail_silently=True)


@transaction.atomic
def webhook_endpoint_ping(*, endpoint: Endpoint) -> Message:
    """A test event to this endpoint only."""
    if not endpoint.is_active:
        raise ValidationError(_("The endpoint is disabled; enable it first."))
    return _message_create(
        event_type=EventType.PING, payload={"endpoint_id": endpoint.pk}, endpoints=[endpoint]
    )


@transaction.atomic
def webhook_delivery_replay(*, delivery: Delivery) -> Delivery:
    """Send the same message (same webhook id) to the same endpoint again."""
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery.pk)
    if not delivery.endpoint.is_active:
        raise ValidationError(_("The endpoint is disabled; enable it first."))
    replay = Delivery.objects.create(
        message_id=delivery.message_id,
        endpoint_id=delivery.endpoint_id,
        replay_of=delivery,
        next_attempt_at=timezone.now(),
    )
    _enqueue_on_commit([replay.pk])
    return replay


def webhook_body(message: Message) -> str:
    """The request body, the same bytes on every attempt."""
    created = message.created_at.astimezone(UTC)
    envelope = {
        "type": message.event_type,
        "timestamp": created.isoformat().replace("+00:00", "Z"),
        "data": message.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True)


def webhook_headers(*, endpoint: Endpoint, webhook_id: str, body: str, at: datetime) -> dict:
    """Standard Webhooks headers; during a rotation two signatures."""
    at = at.astimezone(UTC)
    secrets_in_use = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.rotated_at
        and at - endpoint.rotated_at.astimezone(UTC) < ROTATION_OVERLAP
    ):
        secrets_in_use.append(endpoint.previous_secret)
    signatures = [
        standardwebhooks.Webhook(secret).sign(msg_id=webhook_id, timestamp=at, data=body)
        for secret in secrets_in_use
    ]
    return {
        "content-type": "application/json",
        "user-agent": "mlm-backoffice-webhooks/1",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for CLAIM_SECONDS if it is due and not taken. The
    conditions are all on the delivery row itself, so PostgreSQL re-checks them
    against a concurrent claim's committed row (a join would hide it in a subquery
    evaluated on the old snapshot, and both workers would win)."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + timedelta(seconds=CLAIM_SECONDS))
    )


def webhook_delivery_attempt(*, delivery_id: int) -> Delivery | None:
    """Send a due delivery once and record the answer. Returns None when there is
    nothing to do (delivered already, not due, endpoint disabled, or another
    worker holds it). Never raises for the receiver's failures."""
    started = timezone.now()
    if not _claim(delivery_id, started):
        return None
    delivery = Delivery.objects.select_related("message", "endpoint").get(pk=delivery_id)
    endpoint, message = delivery.endpoint, delivery.message
    if not endpoint.is_active:
        # Disabled since the delivery was written: it waits, unsent, for a replay.
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.ABANDONED, next_attempt_at=None, locked_until=None
        )
        return None
    status, excerpt, error = None, "", ""
    clock = time.monotonic()
    try:
        addresses = endpoint_url_check(endpoint.url)
        body = webhook_body(message)
        headers = webhook_headers(
            endpoint=endpoint, webhook_id=message.webhook_id, body=body, at=started
        )
        response = transport.post(
            endpoint.url,
            body=body.encode(),
            headers=headers,
            address=addresses[0] if addresses else None,
        )
        status, excerpt = response.status, response.text
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except transport.TransportError as exc:
        error = str(exc) or exc.__class__.__name__
    duration_ms = int((time.monotonic() - clock) * 1000)
    return _attempt_record(
        delivery_id=delivery_id,
        at=started,
        status=status,
        excerpt=excerpt,
        error=error,
        duration_ms=duration_ms,
    )


@transaction.atomic
def _attempt_record(
    *,
    delivery_id: int,
    at: datetime,
    status: int | None,
    excerpt: str,
    error: str,
    duration_ms: int,
) -> Delivery:
    # Endpoint before delivery, the order webhook_endpoint_disable locks in too.
    endpoint_id = Delivery.objects.values_list("endpoint_id", flat=True).get(pk=delivery_id)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    Attempt.objects.create(
        delivery=delivery,
        attempted_at=at,
        response_status=status,
        duration_ms=duration_ms,
        error=error[:500],
        response_excerpt=excerpt[:500],
    )
    delivery.attempts += 1
    delivery.last_attempt_at = at
    delivery.last_response_status = status
    delivery.locked_until = None
    now = timezone.now()
    disable_reason = ""
    if status is not None and 200 <= status < 300:
        delivery.status = Delivery.Status.SUCCEEDED
        delivery.succeeded_at = now
        delivery.next_attempt_at = None
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since", "updated_at"])
    else:
        if endpoint.failing_since is None:
            endpoint.failing_since = at
            endpoint.save(update_fields=["failing_since", "updated_at"])
        if status == 410:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
            disable_reason = _("The receiver answered 410 Gone.")
        elif delivery.attempts > len(RETRY_SCHEDULE):
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + RETRY_SCHEDULE[delivery.attempts - 1]
        if not disable_reason and now - endpoint.failing_since >= DISABLE_AFTER:
            disable_reason = _("Every attempt failed since %(since)s.") % {
                "since": timezone.localtime(endpoint.failing_since).strftime("%Y-%m-%d %H:%M")
            }
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "last_attempt_at",
            "last_response_status",
            "locked_until",
            "next_attempt_at",
            "succeeded_at",
        ]
    )
    if disable_reason:
        webhook_endpoint_disable(endpoint=endpoint, reason=disable_reason)
        delivery.refresh_from_db()
    return delivery


# Old events go in batches of this many (each with its deliveries and attempts).
PRUNE_BATCH = 2000


def webhook_history_prune(*, before) -> int:
    """Forget the events recorded before `before` whose deliveries are all
    settled (delivered, failed or abandoned), with their deliveries and
    attempts; an event still being delivered stays, however old. Returns the
    number of events forgotten. In batches, so a year of period closes (a
    hundred thousand events each) never loads at once."""
    settled = Message.objects.filter(created_at__lt=before).exclude(
        deliveries__status=Delivery.Status.PENDING
    )
    forgotten = 0
    while True:
        batch = list(settled.order_by("pk").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            return forgotten
        with transaction.atomic():
            # Re-checked under the delete: a replay may have made one pending meanwhile.
            _count, by_model = settled.filter(pk__in=batch).delete()
        forgotten += by_model.get(Message._meta.label, 0)
