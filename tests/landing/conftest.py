from decimal import Decimal

import pytest
from django.core.cache import cache

from landing import services as landing_services
from tests.factories import PartnerFactory, ProductFactory


@pytest.fixture(autouse=True)
def _clean_cache_and_fast_visits(settings):
    # Messages are asserted in the source language (English); German formats are
    # checked with an explicit Accept-Language header.
    settings.LANGUAGE_CODE = "en"
    settings.LANDING_VISIT_FLUSH_SECONDS = 0
    landing_services._pending.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def soap(db):
    return ProductFactory(name="Seife", price=Decimal("12.50"), qv=Decimal("10.00"), sort_order=1)
