import pytest

from tests.factories import PartnerFactory


@pytest.fixture
def partner(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def chain(db):
    """A line of partners, root first: chain(depth) -> list."""

    def make(depth: int):
        partners = [PartnerFactory()]
        for _ in range(depth):
            partners.append(PartnerFactory(sponsor=partners[-1]))
        return partners

    return make


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Hashing dominates partner-heavy tests; strength is not under test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
