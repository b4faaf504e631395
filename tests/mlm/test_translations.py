"""The site speaks German (default) and English: both catalogues complete, the
committed .mo files compiled from the current .po files, and key pages rendered
in the visitor's language. Django reads the .mo files with Python's gettext
module, so no GNU gettext is needed where the site runs."""

import gettext
import io
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from qualification.models import PartnerPeriodStats
from qualification.services import period_current_open
from tests.factories import PartnerFactory, ProductFactory

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("de", "en")
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sdif]|%%|\{[^{}]*\}")


def catalogue(language):
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as fh:
        return read_po(fh, abort_invalid=True)


def entries(language):
    return [message for message in catalogue(language) if message.id]


def texts(message):
    """(source, translation) pairs of an entry, both plural forms for a plural."""
    if isinstance(message.id, tuple):
        return list(zip(message.id, message.string, strict=True))
    return [(message.id, message.string)]


# --- the catalogues --------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_a_translation_for_every_message_and_nothing_fuzzy(language):
    messages = entries(language)

    untranslated = [m.id for m in messages if not all(t for _, t in texts(m))]
    fuzzy = [m.id for m in messages if "fuzzy" in m.flags]

    assert len(messages) > 500
    assert untranslated == []
    assert fuzzy == []
    assert not catalogue(language).fuzzy  # the header entry


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder_of_the_source(language):
    broken = [
        (source, translation)
        for message in entries(language)
        for source, translation in texts(message)
        if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation))
    ]

    assert broken == []


def test_english_catalogue_repeats_the_english_source_strings():
    differing = [m.id for m in entries("en") if any(s != t for s, t in texts(m))]

    assert differing == []


def test_german_catalogue_is_really_german():
    german = {m.id: m.string for m in entries("de")}

    assert german["Order with obligation to pay"] == "Zahlungspflichtig bestellen"
    assert german["incl. VAT"] == "inkl. MwSt."
    assert german["Group volume (GV)"] == "Gruppenvolumen (GV)"
    # Most of the interface reads differently in German (names like "PV" stay).
    same = [source for source, translation in german.items() if source == translation]
    assert len(same) < len(german) // 20


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_mo_file_is_compiled_from_the_current_po_file(language):
    """Fails when a .po file was edited without `make messages` (compilemessages)."""
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)._catalog
    mo_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"
    with open(mo_path, "rb") as fh:
        committed = gettext.GNUTranslations(fh)._catalog

    expected.pop("", None)
    committed.pop("", None)
    missing = sorted(str(k) for k in expected.keys() - committed.keys())
    stale = sorted(str(k) for k in committed.keys() - expected.keys())
    changed = sorted(
        str(k) for k in expected.keys() & committed.keys() if expected[k] != committed[k]
    )
    assert (missing, stale, changed) == ([], [], [])


def test_compiled_catalogue_works_without_gettext_tools():
    """A fresh interpreter without any GNU gettext program on PATH translates."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'mlm.settings'; django.setup();"
        "from django.utils import translation;"
        "translation.activate('de'); print(translation.gettext('Cart'));"
        "print(translation.ngettext('%(n)s item', '%(n)s items', 2) % {'n': 2})"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/nonexistent", "HOME": "/nonexistent"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Warenkorb", "2 Artikel"]


# --- pages in the visitor's language ---------------------------------------------


@pytest.fixture(autouse=True)
def _german_default_and_no_page_cache(settings):
    settings.LANGUAGE_CODE = "de"
    cache.clear()
    yield
    cache.clear()


def browser(language=None):
    """A visitor without a preference (site default), or one who chose a language
    with the switch (cookie)."""
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def cream(db):
    return ProductFactory(name="Aloe Vera Creme", price=Decimal("19.90"))


def test_landing_page_shows_german_price_notes_by_default(anna, cream):
    html = browser().get("/anna/").content.decode()

    assert '<html lang="de">' in html
    assert "inkl. 19\u00a0% MwSt., zzgl." in html and "Versandkosten" in html
    assert "In den Warenkorb" in html
    assert "Impressum" in html and "Datenschutzerklärung" in html
    assert "Add to cart" not in html and "VAT" not in html


def test_landing_page_speaks_english_when_the_visitor_chose_english(anna, cream):
    html = browser("en").get("/anna/").content.decode()

    assert '<html lang="en">' in html
    assert "incl. 19\u00a0% VAT, plus" in html and "shipping" in html
    assert "Add to cart" in html
    assert "MwSt." not in html and "In den Warenkorb" not in html


def test_cached_landing_page_is_served_in_each_visitors_language(anna, cream):
    german_first = browser().get("/anna/").content.decode()
    english_then = browser("en").get("/anna/").content.decode()
    german_again = browser().get("/anna/").content.decode()

    assert "In den Warenkorb" in german_first and "In den Warenkorb" in german_again
    assert "Add to cart" in english_then and "In den Warenkorb" not in english_then


def test_shop_follows_the_browser_language(cream):
    german = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").get("/shop/").content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").get("/shop/").content.decode()

    assert "Alle Preise inkl. MwSt." in german
    assert "All prices include VAT." in english


def test_cart_and_checkout_speak_german(cream):
    visitor = browser()
    visitor.post("/cart/add/", {"product": cream.pk, "next": "/shop/"})

    cart = visitor.get("/cart/").content.decode()
    checkout = visitor.get("/checkout/").content.decode()

    assert "Ihr Warenkorb" in cart and "Zur Kasse" in cart and "Zwischensumme" in cart
    assert "inkl. 19\u00a0% MwSt." in cart
    assert "Lieferadresse" in checkout and "Straße und Hausnummer" in checkout
    assert "Vorkasse" in checkout
    assert "Ich akzeptiere die AGB" in checkout


def test_signup_page_speaks_german_and_english(anna):
    german = browser().get("/join/anna/").content.decode()
    english = browser("en").get("/join/anna/").content.decode()

    assert "Vertriebspartner werden" in german
    assert "Sie treten dem Team von Anna Albers bei" in german
    assert "Ich akzeptiere die" in german and "Partnerbedingungen" in german
    assert "Become a partner" in english
    assert "You are joining Anna Albers's team" in english


def test_dashboard_of_a_signed_in_partner_speaks_german_and_english(anna):
    PartnerPeriodStats.objects.create(
        partner=anna,
        period=period_current_open(),
        pv=Decimal("120"),
        customer_pv=Decimal("120"),
        gv=Decimal("1234.50"),
    )
    german, english = browser(), browser("en")
    german.force_login(anna.user)
    english.force_login(anna.user)

    de_html = german.get("/dashboard/").content.decode()
    en_html = english.get("/dashboard/").content.decode()

    assert "Gruppenvolumen (GV)" in de_html and "Eigenumsatz (PV)" in de_html
    assert "Vergütungsrang" in de_html and "Titelrang" in de_html
    assert "1.234,50" in de_html
    assert "Group volume (GV)" in en_html and "Personal volume (PV)" in en_html
    assert "Paid as" in en_html
    assert "Gruppenvolumen" not in en_html


def test_sign_in_page_addresses_people_formally_like_the_rest_of_the_site(db):
    """allauth's German says "du"; partners/allauth_formal.py keeps its strings in
    our catalogue, translated with "Sie"."""
    html = browser().get("/accounts/login/").content.decode()

    assert "Sie haben noch kein Konto?" in html
    assert not re.search(r"\b(du|Du|dein|deine|dich|dir)\b", html)


def test_footer_links_the_legal_pages_with_their_german_names(db):
    html = browser().get("/shop/").content.decode()

    for name in ("Impressum", "AGB", "Widerrufsbelehrung", "Datenschutzerklärung"):
        assert f">{name}</a>" in html
