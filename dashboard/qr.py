"""QR codes of a partner's landing page, as SVG (inline and download) and PNG."""

import io
import re

import qrcode
import qrcode.image.svg
from django.utils.html import escape
from qrcode.constants import ERROR_CORRECT_M

_XML_DECLARATION = re.compile(r"^<\?xml[^>]*>\s*")


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=10)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_svg(data: str, *, title: str = "") -> str:
    """A standalone SVG document (scales to any size; black on white)."""
    image = _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = _XML_DECLARATION.sub("", image.to_string(encoding="unicode"))
    head, rest = svg.split(">", 1)
    inside = '<rect width="100%" height="100%" fill="#fff"/>'
    if title:
        head += f' role="img" aria-label="{escape(title)}"'
        inside = f"<title>{escape(title)}</title>" + inside
    return f"{head}>{inside}{rest}"


def qr_png(data: str, *, box_size: int = 12) -> bytes:
    code = _code(data)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
