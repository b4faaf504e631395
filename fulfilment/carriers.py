"""Parcel carriers and their tracking pages (pure: no database)."""

from urllib.parse import quote

from django.db import models
from django.utils.translation import gettext_lazy as _


class Carrier(models.TextChoices):
    DHL = "dhl", "DHL"
    DPD = "dpd", "DPD"
    HERMES = "hermes", "Hermes"
    GLS = "gls", "GLS"
    UPS = "ups", "UPS"
    OTHER = "other", _("other carrier")


# {n}: the tracking number (URL-quoted); {lang}: "de" or "en".
TRACKING_URLS = {
    Carrier.DHL: "https://www.dhl.de/{lang}/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}",
    Carrier.DPD: "https://tracking.dpd.de/status/{lang}_DE/parcel/{n}",
    Carrier.HERMES: "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{n}",
    Carrier.GLS: "https://gls-group.com/DE/{lang}/paketverfolgung?match={n}",
    Carrier.UPS: "https://www.ups.com/track?loc={lang}_DE&tracknum={n}",
}


def tracking_url(*, carrier: str, tracking_number: str, language: str = "de") -> str:
    """The carrier's tracking page for a parcel, in German or English; "" for
    another carrier (the e-mail then gives the number only)."""
    pattern = TRACKING_URLS.get(carrier)
    if not pattern or not tracking_number:
        return ""
    lang = "en" if (language or "").lower().startswith("en") else "de"
    return pattern.format(n=quote(tracking_number, safe=""), lang=lang)


def carrier_parse(value: str) -> str | None:
    """A carrier as a file or API gives it ("DHL", "dhl", "Hermes"), or None."""
    value = (value or "").strip().lower()
    return value if value in Carrier.values else None
