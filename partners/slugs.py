"""Landing page addresses: rules, checks and suggestions."""

import hashlib
import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mlm.reserved_paths import RESERVED_PATHS

SLUG_MIN, SLUG_MAX = 3, 40
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


def slug_problems(slug: str) -> list[str]:
    """Every rule the address breaks, in words a user understands."""
    problems = []
    if not SLUG_MIN <= len(slug) <= SLUG_MAX:
        problems.append(
            _("The address must be %(min)d to %(max)d characters long (it has %(n)d).")
            % {"min": SLUG_MIN, "max": SLUG_MAX, "n": len(slug)}
        )
    if re.search(r"[^a-z0-9-]", slug):
        problems.append(
            _(
                "Use only lowercase letters a-z, digits and hyphens (no spaces, umlauts or other signs)."
            )
        )
    if slug.startswith("-") or slug.endswith("-"):
        problems.append(_("The address may not start or end with a hyphen."))
    if slug in RESERVED_PATHS:
        problems.append(_("“%(slug)s” is reserved for the website itself.") % {"slug": slug})
    return problems


def slug_hash(slug: str) -> str:
    return hashlib.sha256(slug.encode()).hexdigest()


def slug_block(*, slug: str, until: date) -> None:
    """Keep an erased partner's address from reuse until `until`."""
    from .models import BlockedSlug

    BlockedSlug.objects.update_or_create(slug_hash=slug_hash(slug), defaults={"until": until})


def slug_is_taken(slug: str) -> bool:
    """In use, or the address of an erased partner still blocked from reuse."""
    from .models import BlockedSlug, Partner

    # A partner's code is typed where a slug is (checkout): it blocks the slug too.
    return (
        Partner.objects.filter(Q(slug=slug) | Q(code=slug)).exists()
        or BlockedSlug.objects.filter(
            slug_hash=slug_hash(slug), until__gte=timezone.localdate()
        ).exists()
    )


def slug_validate(slug: str) -> str:
    """Return the normalised slug or raise a ValidationError that names every
    broken rule and suggests a free variant."""
    slug = (slug or "").strip().lower()
    problems = slug_problems(slug)
    if problems:
        raise ValidationError({"slug": problems})
    if slug_is_taken(slug):
        raise ValidationError(
            {
                "slug": _("“%(slug)s” is already taken. How about “%(suggestion)s”?")
                % {"slug": slug, "suggestion": slug_suggest(slug)}
            }
        )
    return slug


def slug_from_text(text: str) -> str:
    """A rule-conforming base from a name: 'Jürgen Müller' -> 'juergen-mueller'."""
    text = (text or "").lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, spelled)
    base = slugify(text)[:SLUG_MAX].strip("-")
    if len(base) < SLUG_MIN:
        base = (base + "-partner").strip("-")
    return base


def slug_suggest(wish: str) -> str:
    """A free address close to the wish: the wish itself, else wish-2, wish-3, ..."""
    base = slug_from_text(wish)
    if base in RESERVED_PATHS:
        base = f"{base}-partner"[:SLUG_MAX]
    if not slug_problems(base) and not slug_is_taken(base):
        return base
    from .models import Partner

    stem = base[: SLUG_MAX - 6].rstrip("-")
    taken = set(Partner.objects.filter(slug__startswith=f"{stem}-").values_list("slug", flat=True))
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


# --- Partner codes (typed by customers at checkout) ---------------------------

CODE_MIN, CODE_MAX = 3, 40


def code_validate(code: str, *, partner) -> str:
    """A partner's chosen code, normalised (lower case), or a ValidationError
    keyed "code" naming what is wrong. A code is refused when it breaks the
    address rules, is a word the site uses, or is another partner's address or
    code (ignoring case): a code must name one partner only."""
    from .models import Partner

    code = (code or "").strip().lower() if isinstance(code, str) else ""
    problems = []
    if not CODE_MIN <= len(code) <= CODE_MAX:
        problems.append(
            _("The code must be %(min)d to %(max)d characters long (it has %(n)d).")
            % {"min": CODE_MIN, "max": CODE_MAX, "n": len(code)}
        )
    if re.search(r"[^a-z0-9-]", code):
        problems.append(
            _("Use only letters a-z, digits and hyphens (no spaces, umlauts or other signs).")
        )
    elif code.startswith("-") or code.endswith("-"):
        problems.append(_("The code may not start or end with a hyphen."))
    if code in RESERVED_PATHS:
        problems.append(_("“%(code)s” is reserved for the website itself.") % {"code": code})
    if problems:
        raise ValidationError({"code": problems})
    others = Partner.objects.exclude(pk=partner.pk)
    if others.filter(Q(slug=code) | Q(code=code)).exists() or _blocked(code):
        raise ValidationError(
            {"code": _("“%(code)s” is already taken. Please choose another code.") % {"code": code}}
        )
    return code


def _blocked(value: str) -> bool:
    """An erased partner's address, still blocked from reuse."""
    from .models import BlockedSlug

    return BlockedSlug.objects.filter(
        slug_hash=slug_hash(value), until__gte=timezone.localdate()
    ).exists()
