"""QR codes of a partner's addresses (landing page, invite link): SVG, inline
and as a download, and PNG. No image files, no network.

Drawing a code costs a few milliseconds and its picture depends only on the
address, so the SVG is cached by address (and label) for everyone."""

import hashlib
import io

import segno
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CACHE_SECONDS = 7 * 24 * 3600
_CACHE_VERSION = 2  # raise when the drawing below changes
_BORDER = 4  # modules of quiet zone, as the QR standard asks


def _code(data: str) -> segno.QRCode:
    return segno.make_qr(data, error="m", boost_error=False)


def _draw_svg(data: str, title: str) -> str:
    out = io.BytesIO()
    # No width/height, a viewBox only: the code scales with its container.
    _code(data).save(
        out,
        kind="svg",
        border=_BORDER,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        dark="#000",
        light="#fff",
        svgclass=None,
        lineclass=None,
    )
    svg = out.getvalue().decode()
    head, rest = svg.split(">", 1)
    if title:
        head += f' role="img" aria-label="{escape(title)}"'
        rest = f"<title>{escape(title)}</title>" + rest
    else:
        head += ' aria-hidden="true"'
    return f"{head}>{rest}"


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
    return mark_safe(svg)  # noqa: S308 -- drawn by segno, title escaped


def qr_png(data: str, *, box_size: int = 12) -> bytes:
    buffer = io.BytesIO()
    _code(data).save(buffer, kind="png", scale=box_size, border=_BORDER)
    return buffer.getvalue()
