"""factory_boy factories. Partners are made through the enrollment service so the
genealogy's derived fields are always right."""

from decimal import Decimal

import factory
from django.utils import timezone

from orders.models import Customer, Order, OrderLine, Product
from partners.models import Partner, User
from partners.services import partner_enroll, partner_team_size_changes_apply
from qualification.models import Period, Rank


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.django.Password("correct-horse-battery")


class PartnerFactory(factory.Factory):
    """PartnerFactory(sponsor=anna) enrolls under anna; no sponsor makes a root.
    The team sizes above are then as after the task that adds up the sign-up's
    team-size changes (which unit tests, never committing, would not run)."""

    class Meta:
        model = Partner

    first_name = factory.Sequence(lambda n: f"Vera{n}")
    last_name = "Muster"
    slug = factory.Sequence(lambda n: f"partner-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.slug}@example.com")
    sponsor = None
    status = Partner.Status.ACTIVE
    external_id = None
    password = "correct-horse-battery"

    @classmethod
    def _create(cls, model_class, **kwargs):
        partner = partner_enroll(allow_root=True, terms_accepted=True, **kwargs)
        partner_team_size_changes_apply()
        return partner

    _build = _create


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Produkt {n}")
    price = Decimal("29.90")
    qv = Decimal("25.00")
    tax_class = Product.TaxClass.STANDARD
    is_active = True


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"kunde{n}@example.org")


class RankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rank
        django_get_or_create = ("level",)

    level = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Rank {o.level}")
    min_pv = Decimal("0")
    min_gv = Decimal("0")


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period
        django_get_or_create = ("start",)

    start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))


class OrderFactory(factory.django.DjangoModelFactory):
    """A pending order with one line: OrderFactory(partner=anna, qv=Decimal("100")).
    Pay it with orders.services.order_mark_paid to book its volume."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    class Params:
        qv_total = Decimal("100")
        price_total = Decimal("125.00")

    number = factory.Sequence(lambda n: f"T-{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    email = factory.LazyAttribute(lambda o: o.customer.email)
    attributed_partner = None
    attribution = factory.LazyAttribute(
        lambda o: Order.Attribution.CODE if o.attributed_partner else Order.Attribution.NONE
    )
    placed_at = factory.LazyFunction(lambda: timezone.now())  # late-bound: tests may set the clock
    subtotal = factory.LazyAttribute(lambda o: o.price_total)
    total = factory.LazyAttribute(lambda o: o.price_total)
    qv = factory.LazyAttribute(lambda o: o.qv_total)

    @factory.post_generation
    def line(obj, create, extracted, **kwargs):
        if create:
            OrderLine.objects.create(
                order=obj,
                name="Testprodukt",
                unit_price=obj.total,
                vat_rate=Decimal("19.00"),
                unit_qv=obj.qv,
                unit_cv=obj.cv,
                quantity=1,
            )
