"""Writes a partner makes from the dashboard: profile and personal API tokens."""

from __future__ import annotations

import io
import logging
import re
import secrets
from pathlib import PurePath
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from landing import services as landing_services
from partners.api_auth import token_hash
from partners.models import ApiToken, Partner

logger = logging.getLogger(__name__)

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
PHOTO_SIZE = 800  # longest side after resizing
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SOCIAL_FIELDS = ("instagram_url", "tiktok_url", "youtube_url", "website_url")
# Where each social link must point (the first host is the one named in the error).
SOCIAL_HOSTS = {
    "instagram_url": ("instagram.com",),
    "tiktok_url": ("tiktok.com",),
    "youtube_url": ("youtube.com", "youtu.be"),
}
PHONE_RE = re.compile(r"\+?[0-9][0-9 ()/-]{4,28}")
MAX_ACTIVE_TOKENS = 10
TOKEN_PREFIX_LENGTH = 8


# ------------------------------------------------------------------------- photo


def photo_validate(upload) -> Image.Image:
    """Check an uploaded photo (size, real image, allowed type) and return it
    decoded. Raises ValidationError with a message for the person uploading."""
    if upload.size is not None and upload.size > PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (at most %(mb)s MB).")
            % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)},
            code="photo_too_large",
        )
    try:
        upload.seek(0)
        probe = Image.open(upload)
        if probe.format not in PHOTO_FORMATS:
            raise ValidationError(_("Please upload a JPEG, PNG or WebP image."), code="photo_type")
        if probe.width * probe.height > PHOTO_MAX_PIXELS:
            raise ValidationError(_("The photo has too many pixels."), code="photo_too_large")
        probe.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError(_("This file is not a valid image."), code="photo_invalid") from exc
    finally:
        upload.seek(0)
    return image


def _photo_resized(image: Image.Image, *, stem: str) -> ContentFile:
    """Square-ish, at most PHOTO_SIZE pixels, orientation applied, metadata gone."""
    image = ImageOps.exif_transpose(image)
    image.thumbnail((PHOTO_SIZE, PHOTO_SIZE))
    buffer = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        image.save(buffer, format="PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(buffer.getvalue(), name=f"{stem}.{ext}")


# ------------------------------------------------------------------------ profile


@transaction.atomic
def partner_profile_update(
    *,
    partner: Partner,
    first_name: str,
    last_name: str,
    message: str = "",
    instagram_url: str = "",
    tiktok_url: str = "",
    youtube_url: str = "",
    website_url: str = "",
    photo=None,
    remove_photo: bool = False,
    phone: str | None = None,
    share_contact: bool | None = None,
) -> Partner:
    """Change what the partner's landing page shows about them. The photo is
    validated, resized and stored as a new file; the landing page cache of the
    partner is dropped after commit."""
    errors: dict[str, list[str]] = {}
    first_name = (first_name or "").strip()
    last_name = (last_name or "").strip()
    if not first_name:
        errors.setdefault("first_name", []).append(_("Please enter your first name."))
    if not last_name:
        errors.setdefault("last_name", []).append(_("Please enter your last name."))
    message = (message or "").strip()
    if len(message) > 1000:
        errors.setdefault("message", []).append(_("The message can have at most 1000 characters."))
    urls = {
        "instagram_url": instagram_url,
        "tiktok_url": tiktok_url,
        "youtube_url": youtube_url,
        "website_url": website_url,
    }
    validate_url = URLValidator(schemes=["http", "https"])
    for name, value in list(urls.items()):
        value = (value or "").strip()
        urls[name] = value
        if value:
            try:
                validate_url(value)
            except ValidationError:
                errors.setdefault(name, []).append(
                    _("Please enter a full web address starting with https://.")
                )
    for name, hosts in SOCIAL_HOSTS.items():
        host = (urlsplit(urls[name]).hostname or "").lower() if urls[name] else ""
        if (
            host
            and name not in errors
            and not any(host == h or host.endswith("." + h) for h in hosts)
        ):
            errors.setdefault(name, []).append(
                _("Please enter an address on %(host)s, e.g. https://%(host)s/yourname.")
                % {"host": hosts[0]}
            )
    if phone is not None:
        phone = " ".join((phone or "").split())
        if phone and not PHONE_RE.fullmatch(phone):
            errors.setdefault("phone", []).append(
                _("Please enter a phone number of digits, e.g. +49 151 2345678.")
            )
    image = None
    if photo is not None:
        try:
            image = photo_validate(photo)
        except ValidationError as exc:
            errors.setdefault("photo", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)

    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    partner.first_name = first_name
    partner.last_name = last_name
    partner.message = message
    for name, value in urls.items():
        setattr(partner, name, value)
    if phone is not None:
        partner.phone = phone
    if share_contact is not None and share_contact != (partner.contact_shared_at is not None):
        # The consent's time is kept as evidence (privacy export lists it).
        partner.contact_shared_at = timezone.now() if share_contact else None
    old_photo = partner.photo.name if partner.photo else ""
    if image is not None:
        resized = _photo_resized(image, stem=f"{partner.slug}-{secrets.token_hex(4)}")
        partner.photo.save(resized.name, resized, save=False)
    elif remove_photo:
        partner.photo = ""
    partner.save()
    # Keep the login's name in step with the partner's (the admin lists users by it).
    user = partner.user
    if (user.first_name, user.last_name) != (first_name, last_name):
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])

    new_photo = partner.photo.name if partner.photo else ""
    if old_photo and old_photo != new_photo:
        storage = partner.photo.storage

        def _delete_old():
            try:
                storage.delete(old_photo)
            except OSError:  # pragma: no cover - best effort
                logger.warning("could not delete old photo %s", PurePath(old_photo).name)

        transaction.on_commit(_delete_old)
    transaction.on_commit(lambda: landing_services.landing_cache_invalidate(partner_id=partner.pk))
    return partner


# ------------------------------------------------------------------------- tokens


@transaction.atomic
def api_token_create(*, partner: Partner, name: str) -> tuple[ApiToken, str]:
    """A new personal API token. Returns the row and the raw token, which is
    shown once and never stored (only its SHA-256)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, e.g. the tool that will use it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name can have at most 100 characters.")})
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    active = ApiToken.objects.filter(partner=partner, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(count)s active tokens. Revoke one before creating another.")
            % {"count": active}
        )
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        partner=partner, name=name, token_hash=token_hash(raw), prefix=raw[:TOKEN_PREFIX_LENGTH]
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, partner: Partner, token_id: int) -> ApiToken:
    """Revoke one of the partner's own tokens; it stops working at once."""
    token = ApiToken.objects.select_for_update().filter(partner=partner, pk=token_id).first()
    if token is None:
        raise ApiToken.DoesNotExist("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
