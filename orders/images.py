"""Product images: checked with Pillow and made web-sized before they are stored,
then cut into a few widths for responsive pages (srcset).

The master is a JPEG of at most MAX_EDGE pixels (`Product.image`); next to it lie
WebP copies named `<master stem>-<width>w.webp` for each width in
`Product.image_widths`. Templates draw them through includes/product_image.html.
"""

import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_EDGE = 1200
MIN_EDGE = 320  # smaller images look blurred on the product tiles
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# The widths a browser may choose from (a phone tile, a desktop tile or a phone
# product page, a large product page).
VARIANT_WIDTHS = (320, 640, 1200)


def image_prepare_for_web(upload) -> SimpleUploadedFile:
    """A JPEG of at most MAX_EDGE pixels on the long edge, upright (EXIF
    orientation applied) and without metadata. ValidationError, saying what to
    do, if the upload is no usable image: the type is read from the content, not
    the file name."""
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; please upload an image of at most 15 MB.")
            % {"size": f"{upload.size / 1024 / 1024:.1f}"}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("This file is not an image we can read. Please upload a JPEG, PNG or WebP image.")
        ) from exc
    if fmt not in ALLOWED_FORMATS:
        raise ValidationError(
            _("This is a %(format)s file. Please upload a JPEG, PNG or WebP image.")
            % {"format": fmt}
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _(
                "The image has %(width)d × %(height)d pixels, too many to process; "
                "please upload one of at most 6000 × 6000 pixels."
            )
            % {"width": width, "height": height}
        )
    if min(width, height) < MIN_EDGE:
        raise ValidationError(
            _(
                "The image is only %(width)d × %(height)d pixels and would look blurred; "
                "please upload one of at least %(min)d × %(min)d pixels."
            )
            % {"width": width, "height": height, "min": MIN_EDGE}
        )
    upload.seek(0)
    with Image.open(upload) as img:
        img = _rgb(ImageOps.exif_transpose(img))
        img.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        img.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    stem = Path(getattr(upload, "name", "") or "product").stem[:80] or "product"
    return SimpleUploadedFile(f"{stem}.jpg", out.getvalue(), content_type="image/jpeg")


def _rgb(img: Image.Image) -> Image.Image:
    """Transparent pixels on white (a product on a white tile), everything RGB."""
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img.convert("RGB")


def variant_name(master_name: str, width: int) -> str:
    """products/cream.jpg, 640 -> products/cream-640w.webp"""
    path = Path(master_name)
    return str(path.with_name(f"{path.stem}-{width}w.webp"))


def widths_for(master_width: int) -> list[int]:
    """The variant widths of a master: never larger than the master itself."""
    widths = [w for w in VARIANT_WIDTHS if w < master_width]
    return [*widths, min(master_width, MAX_EDGE)]


def image_variants_write(*, master_name: str) -> tuple[int, int, list[int]]:
    """Write the WebP copies of a stored master image; returns its width, height
    and the widths written. Existing copies of the same name are replaced."""
    with default_storage.open(master_name, "rb") as fh, Image.open(fh) as img:
        img = _rgb(img)
        width, height = img.size
        widths = widths_for(width)
        for target in widths:
            copy = img.resize(
                (target, max(1, round(height * target / width))), Image.Resampling.LANCZOS
            )
            out = io.BytesIO()
            copy.save(out, format="WEBP", quality=80, method=6)
            name = variant_name(master_name, target)
            if default_storage.exists(name):
                default_storage.delete(name)
            default_storage.save(name, ContentFile(out.getvalue()))
    return width, height, widths


def image_variants_delete(*, master_name: str, widths) -> None:
    """Remove the copies of a master that was replaced or removed."""
    for width in widths or ():
        name = variant_name(master_name, width)
        if default_storage.exists(name):
            default_storage.delete(name)
