"""QR codes of a partner's addresses (landing page, invite link): SVG, inline
and as a download, and PNG. No image files, no network.

Drawing a code costs a few milliseconds and its picture depends only on the
address, so the SVG is cached by address (and label) for everyone."""

import hashlib
import io
import re

import qrcode
import qrcode.image.svg
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from qrcode.constants import ERROR_CORRECT_M

_XML_DECLARATION = re.compile(r"^<\?xml[^>]*>\s*")
CACHE_SECONDS = 7 * 24 * 3600
_CACHE_VERSION = 1  # raise when the drawing below changes


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    return code


def _draw_svg(data: str, title: str) -> str:
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = _XML_DECLARATION.sub("", image.to_string(encoding="unicode"))
    head, rest = svg.split(">", 1)
    inside = '<rect width="100%" height="100%" fill="#fff"/>'
    if title:
        head += f' role="img" aria-label="{escape(title)}"'
        inside = f"<title>{escape(title)}</title>" + inside
    else:
        head += ' aria-hidden="true"'
    return f"{head}>{inside}{rest}"


def qr_svg_cache_key(data: str, *, title: str = "") -> str:
    digest = hashlib.sha256(f"{data}\x00{title}".encode()).hexdigest()
    return f"qr-svg:{_CACHE_VERSION}:{digest}"


def qr_svg(data: str, *, title: str = "") -> SafeString:
    """A standalone SVG document of the QR code for `data` (black on white,
    scales with its container; `title` labels it for screen readers).
    Cached by `data` and `title`."""
    key = qr_svg_cache_key(data, title=title)
    svg = cache.get(key)
    if svg is None:
        svg = _draw_svg(data, title)
        cache.set(key, svg, CACHE_SECONDS)
    return mark_safe(svg)  # noqa: S308 -- drawn by qrcode, title escaped


def qr_png(data: str, *, box_size: int = 12) -> bytes:
    code = _code(data)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
