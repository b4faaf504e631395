"""seed_demo on a production database: refused unless forced, and then the demo
logins get random passwords, printed once (never the README's)."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from partners.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_a_production_database(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production database"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.exists()


def test_forced_seed_demo_makes_random_passwords_and_prints_them_once(settings, client):
    settings.PRODUCTION = True
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    text = out.getvalue()
    assert "Admin-Demo-2026" not in text and "Demo-Partner-2026" not in text
    admin_password = re.search(r"admin@example\.com / (\S+)", text).group(1)
    partner_password = re.search(r"anna@example\.com / (\S+)", text).group(1)
    assert len(admin_password) >= 16 and admin_password != partner_password
    assert "shown only now" in text
    assert not client.login(email="admin@example.com", password="Admin-Demo-2026")
    assert client.login(email="admin@example.com", password=admin_password)
    client.logout()
    assert client.login(email="anna@example.com", password=partner_password)

    again = io.StringIO()
    call_command("seed_demo", "--force", stdout=again)
    assert admin_password not in again.getvalue()
    assert "admin@example.com / …" in again.getvalue()
