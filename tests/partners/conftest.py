import pytest
from django.core.cache import cache
from django.test import Client

PASSWORD = "Sonnenblume-2026!"


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # allauth counts sign-ups and failed logins in the cache (locmem in tests);
    # every test starts with clean counters.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    """A browser that prefers English, so assertions read the source strings."""
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(email="admin@example.com", password=PASSWORD)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def signup_data():
    def make(**overrides):
        data = {
            "sponsor": "anna",
            "first_name": "Ben",
            "last_name": "Berger",
            "email": "ben@example.com",
            "slug": "ben-berger",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "accept_terms": "on",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return make
