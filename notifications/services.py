"""Writes of the notifications app. Notifications are created by tasks after
the commit of the event (receivers.py), at most once per (partner, kind, key):
the unique constraint decides, so a repeated signal or a retried task inserts
nothing. An e-mail is claimed (pending -> sending) before it goes out, so it is
sent at most once too; the daily digest claims its (partner, day) row first."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partners.links import site_url
from partners.models import Partner

from . import emails, push, selectors
from .kinds import KINDS, Kind
from .models import (
    DigestMail,
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
)

logger = logging.getLogger(__name__)

BATCH = 1000


def _chunks(items: Iterable, size: int):
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def notifications_create(
    *, kind: Kind, items: Iterable[tuple[int, str, dict]], occurred_at: datetime | None = None
) -> list[int]:
    """Create the notifications of one kind: items are (partner id, event key,
    params); `occurred_at` is when their event happened (default: now).
    Honours each partner's choice (no row for a partner who wants neither
    channel); existing (partner, kind, key) rows are left alone.
    Returns the ids of the notifications whose e-mail is due now; the mails go
    out after commit."""
    due: list[int] = []
    for chunk in _chunks(items, BATCH):
        partner_ids = {partner_id for partner_id, _key, _params in chunk}
        choices = selectors.choices_by_partner(kind=kind, partner_ids=partner_ids)
        default = selectors.default_choice(kind)
        rows = []
        for partner_id, key, params in chunk:
            choice = choices.get(partner_id, default)
            if not (choice.in_app or choice.email):
                continue
            if not choice.email:
                mail = Notification.Mail.NONE
            elif choice.digest:
                mail = Notification.Mail.DIGEST
            else:
                mail = Notification.Mail.PENDING
            rows.append(
                Notification(
                    partner_id=partner_id,
                    kind=kind.key,
                    key=key,
                    params=params,
                    in_app=choice.in_app,
                    mail=mail,
                    occurred_at=occurred_at or timezone.now(),
                )
            )
        if not rows:
            continue
        with transaction.atomic():
            Notification.objects.bulk_create(rows, ignore_conflicts=True)
        # The rows of this chunk still waiting for their mail (new ones, or
        # ones whose mail a crashed task never sent).
        due += Notification.objects.filter(
            kind=kind.key,
            partner_id__in=partner_ids,
            key__in={row.key for row in rows},
            mail=Notification.Mail.PENDING,
        ).values_list("pk", flat=True)
        if push.enabled():
            _pushes_schedule(kind=kind, partner_ids=partner_ids, keys={row.key for row in rows})
    if due:
        from .tasks import notification_emails_send

        for ids in _chunks(due, 200):
            transaction.on_commit(lambda ids=ids: notification_emails_send.delay(ids))
    return due


def _pushes_schedule(*, kind: Kind, partner_ids: set[int], keys: set[str]) -> None:
    """Browser notifications for these events' rows of partners with a subscription."""
    from .tasks import notification_pushes_send

    subscribed = PushSubscription.objects.filter(partner_id__in=partner_ids).values("partner_id")
    ids = list(
        Notification.objects.filter(
            kind=kind.key,
            partner_id__in=subscribed,
            key__in=keys,
            in_app=True,
            pushed_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    for chunk in _chunks(ids, 200):
        transaction.on_commit(lambda chunk=chunk: notification_pushes_send.delay(chunk))


def notification_pushes_send(*, ids: Iterable[int]) -> int:
    """Push each notification among `ids` to the partner's browsers, at most once."""
    if not push.enabled():
        return 0
    site = site_url()
    sent = 0
    for pk in ids:
        if not Notification.objects.filter(pk=pk, pushed_at__isnull=True).update(
            pushed_at=timezone.now()
        ):
            continue
        notification = Notification.objects.get(pk=pk)
        subscriptions = list(PushSubscription.objects.filter(partner_id=notification.partner_id))
        if not subscriptions:
            continue
        spec = KINDS.get(notification.kind)
        try:
            url = site + reverse(spec.link) if spec and spec.link else ""
        except NoReverseMatch:
            url = ""
        url = url or site + reverse("notifications:list")
        with translation.override(selectors.email_language(partner=notification.partner)):
            title, body = settings.COMPANY_NAME, notification.text
        for subscription in subscriptions:
            sent += push.push_send(subscription=subscription, title=title, body=body, url=url)
    return sent


def push_subscription_save(*, partner: Partner, endpoint: str, p256dh: str, auth: str):
    """Remember a browser the partner allowed to show notifications (the same
    browser subscribing again updates its keys)."""
    from django.core.validators import URLValidator

    if (
        not (endpoint and p256dh and auth)
        or any("\x00" in value for value in (endpoint, p256dh, auth))
        or len(endpoint) > 1000
        or len(p256dh) > 200
        or len(auth) > 100
    ):
        raise ValidationError(_("This browser sent an incomplete subscription."))
    try:
        URLValidator(schemes=["https"])(endpoint)
    except ValidationError:
        raise ValidationError(_("This browser sent an incomplete subscription.")) from None
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"partner": partner, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def push_subscription_delete(*, partner: Partner, endpoint: str) -> int:
    deleted, _detail = PushSubscription.objects.filter(partner=partner, endpoint=endpoint).delete()
    return deleted


def notification_emails_send(*, ids: Iterable[int]) -> int:
    """Send the due e-mails among `ids`, each at most once. Returns how many went out."""
    sent = 0
    languages: dict[int, str] = {}
    for pk in ids:
        claimed = Notification.objects.filter(pk=pk, mail=Notification.Mail.PENDING).update(
            mail=Notification.Mail.SENDING
        )
        if not claimed:
            continue  # sent already, or by another worker right now
        notification = Notification.objects.select_related("partner__user").get(pk=pk)
        partner = notification.partner
        if partner.status == Partner.Status.TERMINATED:  # left (or erased) since
            Notification.objects.filter(pk=pk).update(mail=Notification.Mail.NONE)
            continue
        if partner.pk not in languages:
            languages[partner.pk] = selectors.email_language(partner=partner)
        try:
            emails.notification_email_send(
                notification=notification, language=languages[partner.pk]
            )
        except Exception:
            # Not sent: due again (the sweep retries it).
            Notification.objects.filter(pk=pk).update(mail=Notification.Mail.PENDING)
            logger.exception("notification %s: e-mail failed", pk)
            continue
        Notification.objects.filter(pk=pk).update(
            mail=Notification.Mail.SENT, mailed_at=timezone.now()
        )
        sent += 1
    return sent


def notification_emails_sweep(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Due e-mails whose task was lost (broker down, worker killed)."""
    ids = list(
        Notification.objects.filter(
            mail=Notification.Mail.PENDING, created_at__lt=timezone.now() - older_than
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
    return notification_emails_send(ids=ids)


def digest_send(*, partner: Partner, day: date) -> int:
    """The partner's daily digest: one e-mail with every notification waiting
    for it, at most one per partner and day. Returns how many it listed."""
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update()
            .filter(partner=partner, mail=Notification.Mail.DIGEST)
            .order_by("occurred_at", "pk")
        )
        if not waiting:
            return 0
        try:
            with transaction.atomic():
                DigestMail.objects.create(partner=partner, day=day, count=len(waiting))
        except IntegrityError:
            return 0  # today's digest went out already; these wait for tomorrow's
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(
            mail=Notification.Mail.SENT, mailed_at=timezone.now()
        )
    # After the claim is committed: a crash here loses one digest, never sends two.
    emails.digest_email_send(
        partner=partner, notifications=waiting, language=selectors.email_language(partner=partner)
    )
    return len(waiting)


def digests_send(*, day: date | None = None) -> int:
    """Every partner's digest for `day` (today). Returns how many mails went out."""
    day = day or timezone.localdate()
    partner_ids = (
        Notification.objects.filter(mail=Notification.Mail.DIGEST)
        .order_by("partner_id")
        .values_list("partner_id", flat=True)
        .distinct()
    )
    sent = 0
    partners = Partner.objects.filter(pk__in=list(partner_ids)).exclude(
        status=Partner.Status.TERMINATED
    )
    for partner in partners.select_related("user"):
        if digest_send(partner=partner, day=day):
            sent += 1
    return sent


def notification_mark_read(*, partner: Partner, notification_id: int) -> None:
    updated = Notification.objects.filter(
        pk=notification_id, partner=partner, read_at__isnull=True
    ).update(read_at=timezone.now())
    if (
        not updated
        and not Notification.objects.filter(pk=notification_id, partner=partner).exists()
    ):
        raise ValidationError(_("This notification does not exist."))


def notifications_mark_all_read(*, partner: Partner) -> int:
    return Notification.objects.filter(partner=partner, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_save(*, partner: Partner, choices: dict[str, dict], language: str) -> None:
    """Store the partner's choice per kind ({kind: {in_app, email, digest}}) and
    the language of their e-mails. Kinds left out keep their current choice."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose one of the offered languages."))
    unknown = set(choices) - set(KINDS)
    if unknown:
        raise ValidationError(
            _("Unknown notification kind: %(kind)s") % {"kind": sorted(unknown)[0]}
        )
    for kind, choice in choices.items():
        NotificationPreference.objects.update_or_create(
            partner=partner,
            kind=kind,
            defaults={
                "in_app": bool(choice.get("in_app")),
                "email": bool(choice.get("email")),
                "digest": bool(choice.get("digest")),
            },
        )
    NotificationSettings.objects.update_or_create(partner=partner, defaults={"language": language})
