"""VAT by destination: the EU one-stop shop (OSS) and exports.

One owner of the rule "which VAT rate does this line carry, at what price":

- a product has a tax class (standard or reduced), not a rate;
- a delivery within Germany carries the German rate of its class;
- a delivery to a consumer in another EU country carries that country's rate of
  the class (§3c UStG, the one-stop shop: the company declares it quarterly, see
  the OSS report in the reports app);
- a delivery outside the EU (CH) is an export, free of German VAT (§4 Nr. 1a,
  §6 UStG); the customer pays the import VAT of their country at the border.

Prices (docs/decisions/0006-eu-vat-prices.md): the gross price is the same in
every EU country (the price on the partner's page is what every EU customer
pays, so the net changes with the rate); an export pays the German net price
(the gross less German VAT). The CV follows the net: it is the product's CV
scaled by net at destination / net in Germany (unchanged for DE and exports).
The QV never depends on the country.

The rates are a committed table with the date each row applies from: a change
of rate is a reviewed commit, and an order copies its rate onto its lines, so
past orders and invoices never change. Pure functions, Decimal only."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .pricing import money, shipping_for

HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


class TaxClass(models.TextChoices):
    STANDARD = "standard", _("standard rate")
    REDUCED = "reduced", _("reduced rate")


class Treatment(models.TextChoices):
    DOMESTIC = "domestic", _("domestic (German VAT)")
    OSS = "oss", _("EU consumer (VAT of the destination, one-stop shop)")
    EXPORT = "export", _("export outside the EU (no VAT)")


D = Decimal
# country -> rows (applies from, standard rate, reduced rate), oldest first. The
# reduced rate is the one for foodstuffs (what is reduced in Germany: teas,
# food supplements); before enabling a country, finance confirms the class of
# each product there. Source: European Commission, "VAT rates applied in the
# Member States" (taxation-customs.ec.europa.eu), as of 2026.
RATES: dict[str, tuple[tuple[date, Decimal, Decimal], ...]] = {
    "AT": ((date(2016, 1, 1), D("20"), D("10")),),
    "BE": ((date(2016, 1, 1), D("21"), D("6")),),
    "BG": ((date(2016, 1, 1), D("20"), D("9")),),
    "CY": ((date(2016, 1, 1), D("19"), D("5")),),
    "CZ": ((date(2024, 1, 1), D("21"), D("12")),),
    "DE": ((date(2021, 1, 1), D("19"), D("7")),),
    "DK": ((date(2016, 1, 1), D("25"), D("25")),),  # no reduced rate
    "EE": ((date(2025, 1, 1), D("22"), D("9")), (date(2025, 7, 1), D("24"), D("9"))),
    "ES": ((date(2016, 1, 1), D("21"), D("10")),),
    "FI": ((date(2024, 9, 1), D("25.5"), D("14")), (date(2026, 1, 1), D("25.5"), D("13.5"))),
    "FR": ((date(2016, 1, 1), D("20"), D("5.5")),),
    "GR": ((date(2016, 6, 1), D("24"), D("13")),),
    "HR": ((date(2016, 1, 1), D("25"), D("5")),),
    "HU": ((date(2016, 1, 1), D("27"), D("5")),),
    "IE": ((date(2021, 3, 1), D("23"), D("13.5")),),
    "IT": ((date(2016, 1, 1), D("22"), D("10")),),
    "LT": ((date(2016, 1, 1), D("21"), D("9")),),
    "LU": ((date(2024, 1, 1), D("17"), D("8")),),
    "LV": ((date(2016, 1, 1), D("21"), D("12")),),
    "MT": ((date(2016, 1, 1), D("18"), D("5")),),
    "NL": ((date(2019, 1, 1), D("21"), D("9")),),
    "PL": ((date(2016, 1, 1), D("23"), D("5")),),
    "PT": ((date(2016, 1, 1), D("23"), D("6")),),
    "RO": ((date(2017, 1, 1), D("19"), D("9")), (date(2025, 8, 1), D("21"), D("11"))),
    "SE": ((date(2016, 1, 1), D("25"), D("12")),),
    "SI": ((date(2016, 1, 1), D("22"), D("9.5")),),
    "SK": ((date(2025, 1, 1), D("23"), D("19")),),
}
EU_COUNTRIES = frozenset(RATES)


def home_country() -> str:
    return settings.COMPANY_COUNTRY


def treatment(country: str) -> str:
    """How a delivery to `country` is taxed."""
    if country == home_country():
        return Treatment.DOMESTIC
    if country in EU_COUNTRIES:
        return Treatment.OSS
    return Treatment.EXPORT


def vat_rate(*, country: str, tax_class: str, on: date | None = None) -> Decimal:
    """The VAT rate of `tax_class` for a delivery to `country` on `on` (today):
    0 for an export."""
    if treatment(country) == Treatment.EXPORT:
        return ZERO
    on = on or timezone.localdate()
    rows = RATES[country]
    applicable = [row for row in rows if row[0] <= on] or [rows[0]]
    _from, standard, reduced = applicable[-1]
    return (reduced if tax_class == TaxClass.REDUCED else standard).quantize(Decimal("0.01"))


def home_rate(tax_class: str, *, on: date | None = None) -> Decimal:
    """The German rate of the class (what the partner's page says: "incl. 19 % VAT")."""
    return vat_rate(country=home_country(), tax_class=tax_class, on=on)


def tax_class_for_home_rate(rate) -> str:
    """19 -> standard, 7 -> reduced (the product's old VAT rate field)."""
    return TaxClass.REDUCED if Decimal(rate) == home_rate(TaxClass.REDUCED) else TaxClass.STANDARD


def rates_of(country: str, *, on: date | None = None) -> set[Decimal]:
    """The rates a line to `country` may carry (an external shop's lines)."""
    return {vat_rate(country=country, tax_class=c, on=on) for c in TaxClass.values}


def net_of(gross: Decimal, rate: Decimal) -> Decimal:
    return money(Decimal(gross) * HUNDRED / (HUNDRED + Decimal(rate)))


def line_priced(
    *, gross: Decimal, cv: Decimal, tax_class: str, country: str, on: date | None = None
) -> tuple[Decimal, Decimal, Decimal]:
    """(unit price, VAT rate, unit CV) of a product sold to `country`: `gross`
    and `cv` are the catalogue's (German gross price, CV)."""
    home = home_rate(tax_class, on=on)
    if treatment(country) == Treatment.EXPORT:
        return net_of(gross, home), ZERO, Decimal(cv)
    rate = vat_rate(country=country, tax_class=tax_class, on=on)
    if rate == home:
        return Decimal(gross), rate, Decimal(cv)
    # Same gross, another rate: the CV moves with the net.
    return Decimal(gross), rate, money(Decimal(cv) * (HUNDRED + home) / (HUNDRED + rate))


def shipping_priced(fee: Decimal, *, country: str) -> Decimal:
    """The shipping fee (gross, German VAT included): the same within the EU, its
    net (less the German standard rate) for an export."""
    if treatment(country) == Treatment.EXPORT:
        return net_of(fee, home_rate(TaxClass.STANDARD))
    return Decimal(fee)


def lines_priced(product, country: str) -> tuple[Decimal, Decimal, Decimal]:
    """line_priced for a catalogue product (price, CV, tax class)."""
    return line_priced(
        gross=product.price, cv=product.cv, tax_class=product.tax_class, country=country
    )


def shipping_to(products, cart_lines, country: str) -> Decimal:
    """The checkout's shipping fee to `country`: the shop's fee on the goods at
    their catalogue (German gross) prices, so the free-shipping threshold is the
    same everywhere, priced by shipping_priced."""
    subtotal = sum((money(products[int(pid)].price * qty) for pid, qty in cart_lines.items()), ZERO)
    return shipping_priced(shipping_for(subtotal), country=country)
