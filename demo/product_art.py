"""Product photos for the demo shop, drawn with Pillow when the demo is seeded:
a jar, tube, bottle, box or pouch with its label, lit from the left, standing on
a studio table with a soft shadow. Nothing to license, nothing committed.

`product_photo(kind=..., color=..., label=..., size_note=...)` returns JPEG bytes.
"""

import io
import math

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

SIDE = 1200
SCALE = 2  # drawn at twice the size and shrunk: smooth edges without numpy

Color = tuple[int, int, int]


def _font(size: int, *, serif: bool = False, bold: bool = False):
    names = (
        ["DejaVuSerif-Bold.ttf" if bold else "DejaVuSerif.ttf"]
        if serif
        else ["DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"]
    )
    for name in names:
        for folder in ("/usr/share/fonts/truetype/dejavu/", ""):
            try:
                return ImageFont.truetype(folder + name, size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)  # Pillow's own font: always there


def _mix(a: Color, b: Color, t: float) -> Color:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _shaded(size: tuple[int, int], color: Color, *, gloss: float = 0.55) -> Image.Image:
    """A cylinder's light: dark at the edges, a highlight left of the middle."""
    width, height = size
    profile = []
    for x in range(width):
        t = x / max(1, width - 1)
        light = 0.62 + 0.38 * math.sin(math.pi * t) - 0.12 * t
        shine = 0.6 * gloss * math.exp(-(((t - 0.3) / 0.08) ** 2))
        profile.append(max(0, min(255, round(255 * min(1.0, light * 0.82 + shine)))))
    row = Image.new("L", (width, 1))
    row.putdata(profile)
    gray = row.resize((width, height))
    return ImageOps.colorize(
        gray, black=_mix(color, (0, 0, 0), 0.55), white=(255, 255, 255), mid=color
    )


def _paste_shape(canvas: Image.Image, box, color: Color, draw_mask, *, gloss=0.55) -> None:
    x0, y0, x1, y1 = (round(v) for v in box)
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw_mask(ImageDraw.Draw(mask), x1 - x0, y1 - y0)
    canvas.paste(_shaded((x1 - x0, y1 - y0), color, gloss=gloss), (x0, y0), mask)


def _rounded(radius):
    return lambda d, w, h: d.rounded_rectangle((0, 0, w - 1, h - 1), radius=radius, fill=255)


def _label(canvas, box, *, paper: Color, ink: Color, accent: Color, label: str, note: str, brand):
    """A paper label wrapped round the body: lighter in the middle, a brand line,
    the product's name and the contents."""
    x0, y0, x1, y1 = (round(v) for v in box)
    width, height = x1 - x0, y1 - y0
    paper_img = _shaded((width, height), paper, gloss=0.15)
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=8 * SCALE, fill=255
    )
    canvas.paste(paper_img, (x0, y0), mask)
    draw = ImageDraw.Draw(canvas)
    cx = (x0 + x1) / 2
    draw.line(
        (x0 + width * 0.18, y0 + height * 0.16, x1 - width * 0.18, y0 + height * 0.16),
        fill=accent,
        width=3 * SCALE,
    )
    words = label.split()
    lines, line = [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if len(trial) > 13 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    lines = lines[:3]
    # The largest type at which the name fits between the brand line and the contents.
    size = round(min(height / (len(lines) + 2.6), width / 4.5))
    while size > 10 * SCALE:
        font = _font(size, serif=True, bold=True)
        widest = max(draw.textlength(text, font=font) for text in lines)
        if widest <= width * 0.86 and size * (1.12 * len(lines) + 2.2) <= height * 0.84:
            break
        size -= SCALE
    font = _font(size, serif=True, bold=True)
    top = y0 + height * 0.24
    draw.text(
        (cx, top),
        brand.upper(),
        fill=accent,
        font=_font(round(size * 0.42), bold=True),
        anchor="mt",
    )
    y = top + size * 0.8
    for text in lines:
        draw.text((cx, y), text, fill=ink, font=font, anchor="mt")
        y += size * 1.12
    draw.text(
        (cx, y1 - height * 0.1),
        note,
        fill=_mix(ink, paper, 0.35),
        font=_font(round(size * 0.5)),
        anchor="mb",
    )


def _shadow(canvas, cx, floor, half_width):
    shadow = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(shadow).ellipse(
        (cx - half_width * 1.15, floor - 26 * SCALE, cx + half_width * 1.25, floor + 30 * SCALE),
        fill=120,
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(22 * SCALE))
    dark = Image.new("RGB", canvas.size, (40, 38, 34))
    canvas.paste(dark, (0, 0), shadow)


def _studio(tint: Color) -> Image.Image:
    """A soft backdrop that meets a table, warm light from the top left."""
    side = SIDE * SCALE
    top = _mix(tint, (255, 255, 255), 0.78)
    bottom = _mix(tint, (255, 255, 255), 0.55)
    gradient = Image.linear_gradient("L").resize((side, side))
    canvas = ImageOps.colorize(gradient, black=top, white=bottom)
    table = Image.new("RGB", (side, round(side * 0.3)), _mix(tint, (245, 240, 232), 0.7))
    canvas.paste(table, (0, round(side * 0.7)))
    glow = Image.new("L", (side, side), 0)
    ImageDraw.Draw(glow).ellipse((-side * 0.3, -side * 0.4, side * 0.7, side * 0.6), fill=90)
    glow = glow.filter(ImageFilter.GaussianBlur(120 * SCALE))
    canvas.paste(Image.new("RGB", (side, side), (255, 255, 255)), (0, 0), glow)
    return canvas


def product_photo(*, kind: str, color: Color, label: str, size_note: str, brand: str) -> bytes:
    """A square JPEG of SIDE pixels: one product of `kind` (jar, tube, bottle,
    pump, box, pouch, capsules) in `color`, its label reading `label`."""
    side = SIDE * SCALE
    canvas = _studio(color)
    cx, floor = side / 2, side * 0.86
    paper = (250, 247, 240)
    ink = _mix(color, (20, 24, 22), 0.75)
    accent = _mix(color, (0, 0, 0), 0.25)
    s = SCALE * 1.2  # the product fills the tile like a catalogue photo
    if kind == "jar":
        w, h = 520 * s, 300 * s
        _shadow(canvas, cx, floor, w / 2)
        _paste_shape(
            canvas, (cx - w / 2, floor - h, cx + w / 2, floor), paper, _rounded(40 * s), gloss=0.35
        )
        _paste_shape(
            canvas,
            (cx - w / 2 - 8 * s, floor - h - 120 * s, cx + w / 2 + 8 * s, floor - h + 6 * s),
            color,
            _rounded(22 * s),
        )
        _label(
            canvas,
            (cx - w / 2 + 40 * s, floor - h + 40 * s, cx + w / 2 - 40 * s, floor - 30 * s),
            paper=_mix(color, paper, 0.85),
            ink=ink,
            accent=accent,
            label=label,
            note=size_note,
            brand=brand,
        )
    elif kind == "tube":
        w, h = 300 * s, 640 * s
        _shadow(canvas, cx, floor, w / 2)
        cap_h = 110 * s
        _paste_shape(
            canvas, (cx - 95 * s, floor - cap_h, cx + 95 * s, floor), color, _rounded(18 * s)
        )

        def tube(d, tw, th):
            d.polygon([(tw * 0.12, th), (tw * 0.88, th), (tw, 40 * s), (0, 40 * s)], fill=255)
            d.rectangle((0, 0, tw, 46 * s), fill=255)

        _paste_shape(
            canvas,
            (cx - w / 2, floor - cap_h - h, cx + w / 2, floor - cap_h + 4 * s),
            paper,
            tube,
            gloss=0.4,
        )
        draw = ImageDraw.Draw(canvas)
        for i in range(6):
            y = floor - cap_h - h + 8 * s + i * 6 * s
            draw.line(
                (cx - w / 2 + 6 * s, y, cx + w / 2 - 6 * s, y), fill=(214, 210, 202), width=round(s)
            )
        _label(
            canvas,
            (
                cx - w / 2 + 40 * s,
                floor - cap_h - h + 110 * s,
                cx + w / 2 - 40 * s,
                floor - cap_h - 80 * s,
            ),
            paper=paper,
            ink=ink,
            accent=accent,
            label=label,
            note=size_note,
            brand=brand,
        )
    elif kind in ("bottle", "pump"):
        w, h = 330 * s, 560 * s
        _shadow(canvas, cx, floor, w / 2)
        glass = color
        _paste_shape(
            canvas, (cx - w / 2, floor - h, cx + w / 2, floor), glass, _rounded(60 * s), gloss=0.7
        )
        neck_w, neck_h = 120 * s, 90 * s
        _paste_shape(
            canvas,
            (cx - neck_w / 2, floor - h - neck_h + 20 * s, cx + neck_w / 2, floor - h + 30 * s),
            glass,
            _rounded(20 * s),
            gloss=0.7,
        )
        if kind == "pump":
            top = floor - h - neck_h
            _paste_shape(
                canvas,
                (cx - 60 * s, top - 70 * s, cx + 60 * s, top + 10 * s),
                (245, 245, 242),
                _rounded(10 * s),
            )
            _paste_shape(
                canvas,
                (cx - 20 * s, top - 150 * s, cx + 20 * s, top - 60 * s),
                (245, 245, 242),
                _rounded(6 * s),
            )
            _paste_shape(
                canvas,
                (cx - 30 * s, top - 175 * s, cx + 150 * s, top - 135 * s),
                (240, 240, 236),
                _rounded(14 * s),
            )
        else:
            top = floor - h - neck_h
            _paste_shape(
                canvas,
                (cx - 75 * s, top - 110 * s, cx + 75 * s, top + 20 * s),
                (58, 52, 46),
                _rounded(14 * s),
            )
        _label(
            canvas,
            (cx - w / 2 + 30 * s, floor - h + 120 * s, cx + w / 2 - 30 * s, floor - 70 * s),
            paper=paper,
            ink=ink,
            accent=accent,
            label=label,
            note=size_note,
            brand=brand,
        )
    elif kind == "capsules":
        w, h = 360 * s, 420 * s
        _shadow(canvas, cx, floor, w / 2)
        _paste_shape(
            canvas,
            (cx - w / 2, floor - h, cx + w / 2, floor),
            (70, 48, 30),
            _rounded(50 * s),
            gloss=0.6,
        )
        _paste_shape(
            canvas,
            (cx - w / 2 + 20 * s, floor - h - 140 * s, cx + w / 2 - 20 * s, floor - h + 20 * s),
            (246, 244, 238),
            _rounded(24 * s),
            gloss=0.3,
        )
        draw = ImageDraw.Draw(canvas)
        for i in range(14):
            x = cx - w / 2 + 34 * s + i * 22 * s
            draw.line(
                (x, floor - h - 128 * s, x, floor - h + 8 * s),
                fill=(222, 219, 210),
                width=round(3 * s),
            )
        _label(
            canvas,
            (cx - w / 2 + 24 * s, floor - h + 60 * s, cx + w / 2 - 24 * s, floor - 50 * s),
            paper=_mix(color, paper, 0.8),
            ink=ink,
            accent=accent,
            label=label,
            note=size_note,
            brand=brand,
        )
    elif kind == "pouch":
        w, h = 520 * s, 680 * s
        _shadow(canvas, cx, floor, w / 2)

        def pouch(d, pw, ph):
            d.polygon(
                [
                    (0, 0),
                    (pw, 0),
                    (pw * 0.97, ph * 0.9),
                    (pw * 0.9, ph),
                    (pw * 0.1, ph),
                    (pw * 0.03, ph * 0.9),
                ],
                fill=255,
            )

        _paste_shape(canvas, (cx - w / 2, floor - h, cx + w / 2, floor), color, pouch, gloss=0.3)
        draw = ImageDraw.Draw(canvas)
        draw.line(
            (cx - w / 2 + 10 * s, floor - h + 60 * s, cx + w / 2 - 10 * s, floor - h + 60 * s),
            fill=_mix(color, (0, 0, 0), 0.3),
            width=round(4 * s),
        )
        _label(
            canvas,
            (cx - w / 2 + 70 * s, floor - h + 130 * s, cx + w / 2 - 70 * s, floor - 90 * s),
            paper=paper,
            ink=ink,
            accent=accent,
            label=label,
            note=size_note,
            brand=brand,
        )
    else:  # box: front and top face, a ribbon for a gift set
        w, h, depth = 560 * s, 420 * s, 110 * s
        _shadow(canvas, cx, floor, w / 2 + depth / 2)
        x0, y0 = cx - w / 2 - depth / 4, floor - h
        draw = ImageDraw.Draw(canvas)
        draw.polygon(
            [
                (x0, y0),
                (x0 + depth, y0 - depth * 0.6),
                (x0 + w + depth, y0 - depth * 0.6),
                (x0 + w, y0),
            ],
            fill=_mix(color, (255, 255, 255), 0.3),
        )
        draw.polygon(
            [
                (x0 + w, y0),
                (x0 + w + depth, y0 - depth * 0.6),
                (x0 + w + depth, floor - depth * 0.6),
                (x0 + w, floor),
            ],
            fill=_mix(color, (0, 0, 0), 0.3),
        )
        front = Image.new("RGB", (round(w), round(h)), color)
        light = Image.linear_gradient("L").rotate(90).resize((round(w), round(h)))
        front = Image.composite(
            front, Image.new("RGB", front.size, _mix(color, (0, 0, 0), 0.12)), light
        )
        canvas.paste(front, (round(x0), round(y0)))
        if "set" in label.lower():
            ribbon = _mix(color, (150, 30, 40), 0.7)
            draw.rectangle(
                (cx - 24 * s - depth / 4, y0, cx + 24 * s - depth / 4, floor), fill=ribbon
            )
            draw.polygon(
                [
                    (cx - 24 * s - depth / 4 + depth / 2, y0 - depth * 0.3),
                    (cx + 24 * s - depth / 4 + depth / 2, y0 - depth * 0.3),
                    (cx + 24 * s - depth / 4, y0),
                    (cx - 24 * s - depth / 4, y0),
                ],
                fill=ribbon,
            )
            _label(
                canvas,
                (x0 + 40 * s, y0 + 80 * s, cx - 60 * s - depth / 4, floor - 60 * s),
                paper=paper,
                ink=ink,
                accent=accent,
                label=label,
                note=size_note,
                brand=brand,
            )
        else:
            _label(
                canvas,
                (x0 + 70 * s, y0 + 50 * s, x0 + w - 70 * s, floor - 50 * s),
                paper=paper,
                ink=ink,
                accent=accent,
                label=label,
                note=size_note,
                brand=brand,
            )
    photo = canvas.resize((SIDE, SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=84, optimize=True, progressive=True)
    return out.getvalue()
