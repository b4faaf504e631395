import contextlib

import pytest
from django.test import Client
from django.utils import translation

from tests.factories import PartnerFactory


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the notification tasks, eager) of the block."""

    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def anna_client(anna):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(anna.user)
    return client


@pytest.fixture
def english():
    with translation.override("en"):
        yield
