"""manage.py seed_demo: a believable demo company, idempotent.

Everything is keyed (ranks by level, products by name, people by e-mail,
partners by slug, orders by a checkout token "demo-..."), so a second run
finds it all and changes nothing. Writes go through the services the app
uses: plan_load, partner_enroll, order_place, order_mark_paid, order_refund,
invoice_mails_withdraw (invented customers get no e-mail),
period_close (which computes the statements) and estimates_refresh. The
previous month is closed, so a newcomer sees statements under "Earnings" and
this month's estimate.

Why one module of about 700 lines: most of it is the demo company's data
(ranks, products, people, names) beside the steps that write it, in the order
they run; nothing else imports it.

Logins (printed at the end):
  admin    admin@example.com / Admin-Demo-2026   (superuser, /admin/)
  partner  anna@example.com  / Demo-Partner-2026 (every demo partner has it)

Why one module of about 670 lines: the first half is the demo data itself (the
plan, products, partners, names), the second the one command that writes it
in order; it is read once, top to bottom, and used by nobody else.
"""

import logging
import random
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from commissions.models import EstimateRun, Statement
from commissions.services import estimates_refresh
from invoices.services import invoice_mails_withdraw
from landing.models import Campaign, LinkVisitDay
from landing.services import featured_products_set
from orders.models import Order, PartnerCodeBenefit, Product
from orders.pricing import cv_proposed
from orders.services import order_mark_paid, order_place, order_refund, product_image_refresh
from partners.links import site_url
from partners.models import Partner
from partners.services import partner_code_set, partner_enroll
from qualification.models import CommissionSettings, Period, Rank
from qualification.services import (
    period_close,
    period_current_open,
    period_for,
    period_recompute,
    plan_load,
)
from subscriptions.models import Subscription
from subscriptions.payment import mandate_text as subscription_mandate_text
from subscriptions.services import subscription_create

ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "Admin-Demo-2026"
PARTNER_EMAIL, PARTNER_PASSWORD = "anna@example.com", "Demo-Partner-2026"

# The plan of ../shared/spec/examples/small-team.json (tests/demo checks they match),
# its ranks named in German: a rank's name is shown as the plan gives it, in every
# language (docs/decisions/0004-rank-names.md), and the demo company is German.
PLAN = {
    "ranks": [
        {
            "level": 1,
            "name": "Bronze",
            "min_pv": "100",
            "min_gv": "0",
            "max_leg_percent": None,
            "min_qualified_legs": 0,
            "leg_rank": None,
        },
        {
            "level": 2,
            "name": "Silber",
            "min_pv": "100",
            "min_gv": "1000",
            "max_leg_percent": "60",
            "min_qualified_legs": 0,
            "leg_rank": None,
        },
        {
            "level": 3,
            "name": "Gold",
            "min_pv": "150",
            "min_gv": "4000",
            "max_leg_percent": "50",
            "min_qualified_legs": 2,
            "leg_rank": "Silber",
        },
        {
            "level": 4,
            "name": "Platin",
            "min_pv": "200",
            "min_gv": "8000",
            "max_leg_percent": "40",
            "min_qualified_legs": 2,
            "leg_rank": "Gold",
        },
    ]
}

# What the ranks of PLAN pay (commissions.md section 2) and the plan-wide settings.
COMMISSION_RATES = {
    "Bronze": {"customer_percent": "20", "team_percents": ["5"], "advancement_bonus": "0"},
    "Silber": {"customer_percent": "25", "team_percents": ["6", "4"], "advancement_bonus": "100"},
    "Gold": {
        "customer_percent": "30",
        "team_percents": ["7", "5", "3"],
        "advancement_bonus": "250",
    },
    "Platin": {
        "customer_percent": "30",
        "team_percents": ["8", "6", "4", "2"],
        "advancement_bonus": "500",
    },
}
COMMISSION_SETTINGS = {
    "base_customer_percent": "15",
    "active_min_pv": "50",
    "cap_percent": "45",
    "min_payout": "25",
}
COMMISSION_PLAN = {
    "ranks": [{**rank, **COMMISSION_RATES[rank["name"]]} for rank in PLAN["ranks"]],
    "commissions": COMMISSION_SETTINGS,
}

# name, description, gross price (VAT included), VAT rate, QV
# How each demo product is drawn (demo/product_art.py): container, colour, contents.
PRODUCT_ART = {
    "Aloe Vera Feuchtigkeitscreme": ("jar", (122, 168, 116), "50 ml"),
    "Ringelblumen Handbalsam": ("tube", (214, 140, 40), "75 ml"),
    "Rosenblüten Gesichtswasser": ("bottle", (214, 120, 140), "200 ml"),
    "Arganöl Haarkur": ("bottle", (190, 140, 60), "150 ml"),
    "Lavendel Duschgel": ("pump", (140, 110, 180), "250 ml"),
    "Zinksalbe Sensitiv": ("tube", (110, 150, 190), "100 ml"),
    "Pflegeset Wohlfühlzeit": ("box", (60, 120, 100), "3 Produkte"),
    "Bio Kräutertee Abendruhe": ("box", (150, 170, 120), "20 Beutel"),
    "Grüner Smoothie Pulver": ("pouch", (110, 160, 70), "300 g"),
    "Omega-3 Leinölkapseln": ("capsules", (200, 160, 60), "90 Kapseln"),
}

PRODUCTS = [
    (
        "Aloe Vera Feuchtigkeitscreme",
        "Leichte Tagescreme mit 40 % Bio-Aloe-Vera, für jeden Hauttyp. 50 ml.",
        "29.90",
        "19.00",
        "24",
    ),
    (
        "Ringelblumen Handbalsam",
        "Reichhaltiger Balsam für trockene Hände, mit Sheabutter und Calendula. 75 ml.",
        "14.90",
        "19.00",
        "12",
    ),
    (
        "Rosenblüten Gesichtswasser",
        "Klärendes Tonikum aus bulgarischem Rosenwasser, ohne Alkohol. 200 ml.",
        "19.90",
        "19.00",
        "16",
    ),
    (
        "Arganöl Haarkur",
        "Pflegende Kur für strapaziertes Haar mit kaltgepresstem Arganöl. 150 ml.",
        "24.90",
        "19.00",
        "20",
    ),
    (
        "Lavendel Duschgel",
        "Mildes Duschgel mit ätherischem Lavendelöl aus der Provence. 250 ml.",
        "9.90",
        "19.00",
        "8",
    ),
    (
        "Zinksalbe Sensitiv",
        "Beruhigende Pflege für empfindliche Haut, parfümfrei. 100 ml.",
        "12.90",
        "19.00",
        "10",
    ),
    (
        "Pflegeset Wohlfühlzeit",
        "Geschenkbox: Feuchtigkeitscreme, Handbalsam und Duschgel.",
        "49.90",
        "19.00",
        "42",
    ),
    (
        "Bio Kräutertee Abendruhe",
        "Melisse, Lavendel und Kamille aus kontrolliert biologischem Anbau. 20 Beutel.",
        "6.90",
        "7.00",
        "5",
    ),
    (
        "Grüner Smoothie Pulver",
        "Gerstengras, Spinat und Apfel, gefriergetrocknet. 300 g.",
        "34.90",
        "7.00",
        "28",
    ),
    (
        "Omega-3 Leinölkapseln",
        "Vegane Kapseln aus kaltgepresstem Leinöl. 90 Stück.",
        "22.90",
        "7.00",
        "18",
    ),
]

# first name, last name, slug, sponsor slug (None = root), personal message
PARTNERS = [
    (
        "Anna",
        "Albers",
        "anna",
        None,
        "Ich liebe Naturkosmetik seit zehn Jahren – schön, dass du da bist!",
    ),
    (
        "Bernd",
        "Becker",
        "bernd-becker",
        "anna",
        "Pflege für die ganze Familie, ehrlich und nachhaltig.",
    ),
    (
        "Claudia",
        "Schröder",
        "claudia",
        "anna",
        "Meine Lieblingsprodukte für gestresste Haut findest du hier.",
    ),
    ("Deniz", "Yılmaz", "deniz", "anna", "Vom Hobby zum Beruf: ich berate dich gern persönlich."),
    ("Elke", "Fischer", "elke-fischer", "anna", "Natürlich schön – in jedem Alter."),
    ("Frank", "Wagner", "frank", "bernd-becker", "Sport, Tee und gute Pflege: mein Alltag."),
    ("Gabi", "Hoffmann", "gabi", "bernd-becker", "Ich freue mich auf deine Bestellung!"),
    ("Hans", "Schulz", "hans-schulz", "bernd-becker", "Bewährte Produkte, fair beraten."),
    ("Ines", "Koch", "ines", "claudia", "Mama von drei Kindern und Fan von Ringelblume."),
    ("Jonas", "Richter", "jonas", "claudia", "Männerpflege ohne Schnickschnack."),
    ("Katrin", "Wolf", "katrin", "deniz", "Tee-Liebhaberin aus Leipzig."),
    ("Lars", "Neumann", "lars", "deniz", "Grüne Smoothies jeden Morgen – probier's aus!"),
    ("Maria", "Schwarz", "maria", "elke-fischer", "Hautpflege mit Herz, direkt aus München."),
    (
        "Nils",
        "Zimmermann",
        "nils",
        "elke-fischer",
        "Ich teste alles selbst, bevor ich es empfehle.",
    ),
    ("Olga", "Braun", "olga", "frank", "Aromatherapie und Entspannung sind meine Leidenschaft."),
    ("Paul", "Krüger", "paul", "frank", "Ehrliche Beratung, schnelle Antworten."),
    ("Quirin", "Hartmann", "quirin", "gabi", "Aus Bayern mit Liebe zur Natur."),
    ("Rita", "Lange", "rita", "gabi", "Seit 2019 dabei und immer noch begeistert."),
    ("Sven", "Werner", "sven", "hans-schulz", "Gesund leben beginnt beim Frühstück."),
    ("Tanja", "Schmitz", "tanja", "ines", "Empfindliche Haut? Ich kenne das."),
    ("Uwe", "Krause", "uwe", "ines", "Pflege-Sets als Geschenk sind meine Spezialität."),
    ("Vera", "Meier", "vera", "jonas", "Aus Hamburg, mit Freude an guter Kosmetik."),
    ("Willi", "Lehmann", "willi", "katrin", "Kräutertee-Experte und Gartenfreund."),
    ("Xenia", "Köhler", "xenia", "katrin", "Ich berate auch auf Russisch und Englisch."),
    ("Yvonne", "Herrmann", "yvonne", "lars", "Fitness und Ernährung gehören zusammen."),
    ("Zoe", "König", "zoe", "maria", "Frisch dabei und voller Neugier!"),
    ("Ahmet", "Demir", "ahmet", "maria", "Natürliche Pflege für Bart und Haut."),
    ("Birgit", "Walter", "birgit", "nils", "Wellness zu Hause – ich zeige dir, wie."),
    ("Carsten", "Peters", "carsten", "gabi", "Lavendel ist mein Lieblingsduft."),
    (
        "Doris",
        "Möller",
        "doris",
        "hans-schulz",
        "Mit 60 noch einmal neu angefangen – und glücklich.",
    ),
]

CUSTOMER_NAMES = [
    ("Lena", "Bauer"),
    ("Tom", "Keller"),
    ("Mia", "Vogel"),
    ("Felix", "Frank"),
    ("Emma", "Jung"),
    ("Paul", "Roth"),
    ("Lea", "Haas"),
    ("Jan", "Graf"),
    ("Sophie", "Kaiser"),
    ("Max", "Berger"),
    ("Hannah", "Fuchs"),
    ("Luca", "Scholz"),
    ("Marie", "Sommer"),
    ("Ben", "Winter"),
    ("Clara", "Ludwig"),
]
CITIES = [
    ("10115", "Berlin"),
    ("20095", "Hamburg"),
    ("80331", "München"),
    ("50667", "Köln"),
    ("60311", "Frankfurt am Main"),
    ("04109", "Leipzig"),
    ("70173", "Stuttgart"),
    ("01067", "Dresden"),
]
STREETS = ["Hauptstraße", "Gartenweg", "Lindenallee", "Bahnhofstraße", "Schillerstraße", "Rosenweg"]

# Orders per partner for the previous and the current month: top partners sell more.
ORDERS_BY_LEVEL = {0: 4, 1: 4, 2: 3, 3: 2}


class Command(BaseCommand):
    help = (
        "Create a demo company: the rank plan of the small-team example, ten products, thirty "
        "partners over four levels and paid orders (a few refunded) in the previous and the "
        "current month. Idempotent: a second run changes nothing. Logins: admin@example.com / "
        "Admin-Demo-2026 (admin), anna@example.com / Demo-Partner-2026 (partner; every demo "
        "partner has this password)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed a production database (DJANGO_ENV=production) anyway: the demo logins "
            "then get random passwords, printed once.",
        )

    def handle(self, *args, **options):
        self.admin_password, self.partner_password = ADMIN_PASSWORD, PARTNER_PASSWORD
        if getattr(settings, "PRODUCTION", False):
            if not options["force"]:
                raise CommandError(
                    _(
                        "This is a production database (DJANGO_ENV=production): seed_demo would "
                        "create demo logins and invented orders in it. Run it with --force if "
                        "you really want that; the logins then get random passwords."
                    )
                )
            # Never the passwords printed in the README on a reachable server.
            self.admin_password = secrets.token_urlsafe(15)
            self.partner_password = secrets.token_urlsafe(15)
        # No confirmation e-mails for invented customers, no line per eager task.
        task_log = logging.getLogger("celery.app.trace")
        level = task_log.level
        task_log.setLevel(logging.WARNING)
        try:
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
                transaction.atomic(),
            ):
                created = self._seed()
        finally:
            task_log.setLevel(level)
        for line in created:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("\n" + _("Demo data is ready.")))
        # Random passwords (production) exist only in this run: a login made earlier keeps its own.
        forced = self.admin_password != ADMIN_PASSWORD
        admin_password = self.admin_password if self.admin_created or not forced else "…"
        partner_password = self.partner_password if self.partners_created or not forced else "…"
        self.stdout.write(f"  {_('Admin')}: {ADMIN_EMAIL} / {admin_password}   {site_url()}/admin/")
        self.stdout.write(
            f"  {_('Partner')}: {PARTNER_EMAIL} / {partner_password}   {site_url()}/dashboard/"
        )
        if forced and (self.admin_created or self.partners_created):
            self.stdout.write(
                self.style.WARNING(
                    _("These passwords are shown only now (every demo partner has the partner's).")
                )
            )
        self.stdout.write(f"  {_('Landing page')}: {site_url()}/anna/")

    def _seed(self) -> list[str]:
        report = []
        if not Rank.objects.exists() or not CommissionSettings.objects.exists():
            plan_load(data=COMMISSION_PLAN)
            names = ", ".join(rank["name"] for rank in PLAN["ranks"])
            report.append(_("Rank plan with commissions loaded (%(ranks)s).") % {"ranks": names})
        report.append(self._admin())
        products = self._products(report)
        partners = self._partners(report)
        report.append(self._orders(products, partners))
        report.append(self._sharing(products, partners))
        report.append(self._subscriptions(products, partners))
        report.append(self._close_past_months())
        report.append(self._estimate())
        return report

    def _admin(self) -> str:
        User = get_user_model()
        self.admin_created = False
        if User.objects.filter(email=ADMIN_EMAIL).exists():
            return _("Admin exists.")
        User.objects.create_superuser(
            email=ADMIN_EMAIL, password=self.admin_password, first_name="Demo", last_name="Admin"
        )
        self.admin_created = True
        return _("Admin created.")

    def _products(self, report) -> list[Product]:
        products = []
        created = 0
        for order, (name, description, price, vat, qv) in enumerate(PRODUCTS):
            product, new = Product.objects.get_or_create(
                name=name,
                defaults={
                    "description": description,
                    "price": Decimal(price),
                    "vat_rate": vat,  # the German rate: sets the tax class
                    "qv": Decimal(qv),
                    "sort_order": order * 10,
                    "cv": cv_proposed(price=Decimal(price), vat_rate=Decimal(vat)),
                },
            )
            created += new
            if not product.image and product.name in PRODUCT_ART:
                self._product_photo(product)
            products.append(product)
        report.append(
            _("Products: %(created)d created, %(existed)d existed.")
            % {"created": created, "existed": len(products) - created}
        )
        return products

    def _product_photo(self, product: Product) -> None:
        """A drawn product photo (no stock images to license), stored and cut
        into its web sizes like an admin upload."""
        from demo.product_art import product_photo

        kind, color, note = PRODUCT_ART[product.name]
        data = product_photo(
            kind=kind,
            color=color,
            label=product.name,
            size_note=note,
            brand=settings.COMPANY_NAME.split()[0],
        )
        product.image.save(f"demo-{slugify(product.name)}.jpg", ContentFile(data), save=True)
        product_image_refresh(product=product)

    def _partners(self, report) -> dict[str, Partner]:
        User = get_user_model()
        password_hash = None
        by_slug: dict[str, Partner] = {}
        depth_of: dict[str, int] = {}
        created = 0
        joined = timezone.now() - timedelta(days=400)
        for i, (first, last, slug, sponsor_slug, message) in enumerate(PARTNERS):
            email = PARTNER_EMAIL if slug == "anna" else f"{slug}@example.com"
            depth_of[slug] = depth_of[sponsor_slug] + 1 if sponsor_slug else 0
            partner = Partner.objects.filter(user__email=email).first()
            if partner is None:
                if (
                    User.objects.filter(email=email).exists()
                    or Partner.objects.filter(slug=slug).exists()
                ):
                    report.append(
                        _(
                            "Skipped %(slug)s: %(email)s or the address /%(slug)s/ is used by someone else."
                        )
                        % {"slug": slug, "email": email}
                    )
                    continue
                sponsor = by_slug.get(sponsor_slug) if sponsor_slug else None
                if sponsor_slug and sponsor is None:
                    continue  # its sponsor was skipped
                partner = partner_enroll(
                    email=email,
                    first_name=first,
                    last_name=last,
                    slug=slug,
                    sponsor=sponsor,
                    terms_accepted=True,
                    allow_root=sponsor is None,
                    joined_at=joined + timedelta(days=9 * i),
                )
                password_hash = password_hash or make_password(
                    self.partner_password
                )  # hash once, for speed
                User.objects.filter(pk=partner.user_id).update(password=password_hash)
                Partner.objects.filter(pk=partner.pk).update(message=message)
                created += 1
            by_slug[slug] = partner
        report.append(
            _("Partners: %(created)d created, %(existed)d existed.")
            % {"created": created, "existed": len(by_slug) - created}
        )
        self.partners_created = created > 0
        self._depth_of = depth_of
        return by_slug

    def _sharing(self, products: list[Product], partners: dict[str, Partner]) -> str:
        """Anna's sharing tools: a code with 10 % off a first order, favourites,
        two campaigns with visits and some of her orders brought by them."""
        anna = partners.get("anna")
        if anna is None:
            return _("Sharing tools skipped (no Anna).")
        if not PartnerCodeBenefit.objects.exists():
            PartnerCodeBenefit.objects.create(percent=Decimal("10"), first_order_only=True)
        if anna.code is None and not Partner.objects.filter(code="anna10").exists():
            partner_code_set(partner=anna, code="anna10")
        if not anna.featured_products.exists():
            featured_products_set(partner=anna, product_ids=[p.pk for p in products[:3]])
        today = timezone.localdate()
        rng = random.Random(12)
        for name in ("insta-story-nov", "tiktok-nov"):
            if Campaign.objects.filter(partner=anna, name=name).exists():
                continue
            Campaign.objects.create(partner=anna, name=name)
            for back in range(40):
                LinkVisitDay.objects.get_or_create(
                    partner=anna,
                    day=today - timedelta(days=back),
                    campaign=name,
                    product_id=0,
                    defaults={"visits": rng.randint(3, 30)},
                )
            ids = list(
                Order.objects.filter(attributed_partner=anna, campaign="")
                .exclude(attribution=Order.Attribution.SELF)
                .values_list("pk", flat=True)[:4]
            )
            Order.objects.filter(pk__in=ids).update(campaign=name, utm={"utm_source": name[:6]})
        for product in products[:3]:
            for back in range(30):
                LinkVisitDay.objects.get_or_create(
                    partner=anna,
                    day=today - timedelta(days=back),
                    campaign="",
                    product_id=product.pk,
                    defaults={"visits": rng.randint(1, 12)},
                )
        return _("Sharing tools of Anna: code ANNA10, favourites, two campaigns.")

    def _subscriptions(self, products: list[Product], partners: dict[str, Partner]) -> str:
        """Four customers of Anna on a subscription (Abo), with SEPA mandates on the
        Bundesbank's test IBAN; their deliveries fall in the coming weeks."""
        anna = partners.get("anna")
        if anna is None:
            return _("Subscriptions skipped (no Anna).")
        today = timezone.localdate()
        people = [
            ("lena.abo@example.org", "Lena", "Hoffmann", 1, 3),
            ("jonas.abo@example.org", "Jonas", "Weber", 1, 12),
            ("sofia.abo@example.org", "Sofia", "Klein", 2, 20),
            ("paul.abo@example.org", "Paul", "Wagner", 3, 40),
        ]
        created = 0
        for number, (email, first, last, interval, days) in enumerate(people):
            if Subscription.objects.filter(email=email).exists():
                continue
            subscription_create(
                lines={products[number % len(products)].pk: 1 + number % 2},
                customer_data={
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "street": "Musterweg 1",
                    "postal_code": "50667",
                    "city": "Köln",
                    "country": "DE",
                    "partner_code": anna.slug,
                },
                interval=interval,
                first_date=today + timedelta(days=days),
                account_holder=f"{first} {last}",
                iban="DE02120300000000202051",
                mandate_text=subscription_mandate_text(language="de"),
                language="de",
                today=today,
            )
            created += 1
        return _("Subscriptions of Anna's customers: %(count)s new.") % {"count": created}

    def _orders(self, products: list[Product], partners: dict[str, Partner]) -> str:
        now = timezone.localtime()
        this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        previous_month = (this_month - timedelta(days=1)).replace(day=1)
        rng = random.Random(2026)  # the same choices on every run
        created = skipped = refunds = 0
        touched: set[int] = set()
        demo_orders: list[int] = []
        for slug, partner in partners.items():
            count = ORDERS_BY_LEVEL.get(self._depth_of[slug], 2)
            for month_index, month_start in enumerate((previous_month, this_month)):
                month_end = this_month if month_index == 0 else now
                for k in range(count + (1 if month_index else 0)):
                    token = f"demo-{slug}-{month_index}-{k}"
                    # The choices are drawn before the skip, so every run draws the same.
                    own = k == 0 and rng.random() < 0.5
                    first, last = rng.choice(CUSTOMER_NAMES)
                    postal, city = rng.choice(CITIES)
                    lines = {
                        p.pk: rng.randint(1, 3) for p in rng.sample(products, rng.randint(1, 3))
                    }
                    seconds = int((month_end - month_start).total_seconds())
                    paid_at = month_start + timedelta(
                        seconds=rng.randint(0, max(seconds - 3600, 1))
                    )
                    refund = rng.random() < 0.08
                    if Order.objects.filter(checkout_token=token).exists():
                        skipped += 1
                        continue
                    email = (
                        partner.user.email
                        if own
                        else f"{first}.{last}.{slug}{k}@example.org".lower()
                    )
                    order = order_place(
                        cart_lines=lines,
                        customer_data={
                            "email": email,
                            "first_name": partner.first_name if own else first,
                            "last_name": partner.last_name if own else last,
                            "street": f"{rng.choice(STREETS)} {k + 1}",
                            "postal_code": postal,
                            "city": city,
                            "country": "DE",
                            "partner_code": "" if own else slug,
                        },
                        checkout_token=token,
                    )
                    # Demo history: placed shortly before it was paid.
                    Order.objects.filter(pk=order.pk).update(
                        placed_at=paid_at - timedelta(minutes=30)
                    )
                    order = order_mark_paid(order=order, paid_at=paid_at, payment_reference="DEMO")
                    demo_orders.append(order.pk)
                    touched.add(period_for(at=paid_at).pk)
                    created += 1
                    if refund:
                        refunded_at = min(paid_at + timedelta(days=3), now)
                        order_refund(
                            order=order, refunded_at=refunded_at, reason="Demo: Rücksendung"
                        )
                        refunds += 1
        # Invented customers get no invoice e-mail (their invoices stay; a PDF is drawn
        # when someone opens one), neither here nor from a production worker.
        invoice_mails_withdraw(order_ids=demo_orders)
        for period in Period.objects.filter(pk__in=touched, status=Period.Status.OPEN).order_by(
            "start"
        ):
            period_recompute(period=period)
        return _("Orders: %(created)d created (%(refunds)d refunded), %(existed)d existed.") % {
            "created": created,
            "refunds": refunds,
            "existed": skipped,
        }

    def _close_past_months(self) -> str:
        """Close every open month before the current one, oldest first, through
        the close service: it computes the statements. A closed month stays closed."""
        admin = get_user_model().objects.filter(email=ADMIN_EMAIL).first()
        current = period_current_open()
        closed = []
        for period in Period.objects.filter(
            status=Period.Status.OPEN, start__lt=current.start
        ).order_by("start"):
            period_close(period=period, closed_by=admin)
            closed.append(period.label)
        if not closed:
            return _("No past month to close.")
        return _("Closed %(months)s: %(count)d statements.") % {
            "months": ", ".join(closed),
            "count": Statement.objects.filter(
                period__start__in=[f"{label}-01" for label in closed]
            ).count(),
        }

    def _estimate(self) -> str:
        """This month's commission estimate, computed once (the beat task keeps it fresh)."""
        period = period_current_open()
        if EstimateRun.objects.filter(period=period).exists():
            return _("Estimate for this month exists.")
        count = estimates_refresh(period=period)
        return _("Estimate for this month computed for %(count)d partners.") % {"count": count}
