"""Product images: checked with Pillow and made web-sized before they are stored."""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_EDGE = 1200
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def image_prepare_for_web(upload) -> SimpleUploadedFile:
    """A JPEG of at most MAX_EDGE pixels on the long edge, upright (EXIF
    orientation applied) and without metadata. ValidationError if the upload is
    no usable image."""
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The image is too large (at most 15 MB)."))
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("This file is not an image we can read (use JPEG, PNG or WebP).")
        ) from exc
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(_("Please upload a JPEG, PNG or WebP image."))
    if width * height > MAX_PIXELS:
        raise ValidationError(_("The image has too many pixels; please upload a smaller one."))
    upload.seek(0)
    with Image.open(upload) as img:
        img = ImageOps.exif_transpose(img)
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA")
            background = Image.new("RGB", img.size, (255, 255, 255))
            background.paste(img, mask=img.getchannel("A"))
            img = background
        else:
            img = img.convert("RGB")
        img.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    stem = Path(getattr(upload, "name", "") or "product").stem[:80] or "product"
    return SimpleUploadedFile(f"{stem}.jpg", out.getvalue(), content_type="image/jpeg")
