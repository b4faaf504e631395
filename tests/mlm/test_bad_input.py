"""A sweep of bad input over the public URLs and forms: NUL bytes, very long
values, unusual unicode, wrong types (lists, numbers where text is expected and
the other way round). Whatever comes in, the answer is never a server error.

It runs in the unit suite (SQLite) and again in .ci/run on PostgreSQL, which
refuses NUL characters in queries, so the database cannot hide a mistake."""

import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "\x00",
    "an\x00na",
    "x" * 10_000,
    "ünïcødé 🙂 ‮ ﷽ \u200b",
    "-1",
    "1e309",
    "NaN",
    "9" * 40,
    "[]",
    "{'a': 1}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "' OR 1=1 --",
]

CHECKOUT = {
    "email": "kunde@example.org",
    "first_name": "Karla",
    "last_name": "Kundin",
    "street": "Lindenweg 5",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "DE",
    "partner_code": "",
    "payment_method": "prepayment",
    "accept_terms": "on",
}
SIGNUP = {
    "sponsor": "anna",
    "first_name": "Ben",
    "last_name": "Berger",
    "email": "ben@example.com",
    "slug": "ben-berger",
    "password1": "Sonnenblume-2026!",
    "password2": "Sonnenblume-2026!",
    "accept_terms": "on",
}


@pytest.fixture(autouse=True)
def shop(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = "whsec_sweep"
    settings.LANDING_VISIT_FLUSH_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    PartnerFactory(slug="anna")
    product = ProductFactory(name="Seife", price=Decimal("12.50"), qv=Decimal("10"))
    yield product
    cache.clear()


@pytest.fixture(autouse=True)
def no_nul_reaches_the_database():
    """PostgreSQL answers a NUL in a query parameter with an error (a 500); SQLite
    would not, so the unit suite watches the parameters itself."""
    from django.db import connection

    seen = []

    def watch(execute, sql, params, many, context):
        if "\\x00" in repr(params):
            seen.append(f"{sql[:80]} {params!r:.80}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        yield
    assert seen == [], "NUL characters reached the database"


def browser():
    return Client(raise_request_exception=False, headers={"accept-language": "en"})


def assert_no_server_error(response, what):
    assert response.status_code < 500, f"{what} -> {response.status_code}"


def variants(form: dict):
    """The form with one field replaced by each bad value, or sent as a list."""
    for name in form:
        for value in BAD_VALUES:
            yield name, {**form, name: value}
        yield name, {**form, name: ["1", "2"]}
    yield "extra field", {**form, "unexpected\x00": "\x00"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/shop/",
        "/anna/",
        "/cart/",
        "/checkout/",
        "/checkout/review/",
        "/join/anna/",
        "/partner/slug-check/",
        "/partner/terms/",
        "/accounts/login/",
        "/accounts/signup/",
        "/healthz/live",  # /healthz answers 503 on purpose when beat or worker are away
    ],
)
def test_bad_query_strings_on_public_pages(path):
    client = browser()
    for value in BAD_VALUES:
        for param in ("q", "slug", "page", "paid", "cancelled", "lang"):
            assert_no_server_error(
                client.get(path, {param: value}), f"GET {path}?{param}={value[:20]!r}"
            )


@pytest.mark.parametrize("value", BAD_VALUES)
def test_bad_path_segments(value):
    client = browser()
    for template in ("/{}/", "/order/{}/", "/join/{}/", "/order/{}/pay/"):
        path = template.format(value.replace("/", "%2F"))
        assert_no_server_error(client.get(path), f"GET {path[:40]!r}")
        assert_no_server_error(client.post(path), f"POST {path[:40]!r}")


def test_bad_cart_input(shop):
    client = browser()
    for name, data in variants({"product": str(shop.pk), "quantity": "1", "next": "/shop/"}):
        assert_no_server_error(client.post("/cart/add/", data), f"cart add {name}")
        assert_no_server_error(client.post("/cart/update/", data), f"cart update {name}")
        assert_no_server_error(
            client.post("/cart/update/", {**data, "remove": "1"}), f"cart remove {name}"
        )


def test_bad_checkout_input(shop):
    client = browser()
    client.post("/cart/add/", {"product": shop.pk})
    for name, data in variants(CHECKOUT):
        assert_no_server_error(client.post("/checkout/", data), f"checkout {name}")
    assert_no_server_error(client.post("/checkout/", CHECKOUT), "checkout")
    for value in [*BAD_VALUES, ["a", "b"]]:
        response = client.post("/checkout/place/", {"checkout_token": value})
        assert_no_server_error(response, f"place {value!r:.20}")


def test_bad_data_that_reached_the_session_cannot_break_review_and_place(shop):
    """Whatever the checkout form let through must still be placeable or refused."""
    client = browser()
    client.post("/cart/add/", {"product": shop.pk})
    for field in ("first_name", "last_name", "street", "city", "partner_code"):
        for value in ("ünïcødé 🙂", "x" * 10_000, "an\x00na"):
            client.post("/checkout/", {**CHECKOUT, field: value})
            assert_no_server_error(client.get("/checkout/review/"), f"review {field}")


def test_bad_sign_up_input():
    client = browser()
    for name, data in variants(SIGNUP):
        assert_no_server_error(client.post("/join/anna/", data), f"join {name}")
        assert_no_server_error(client.post("/accounts/signup/", data), f"signup {name}")


def test_bad_login_input():
    client = browser()
    for name, data in variants({"login": "anna@example.com", "password": "secret"}):
        assert_no_server_error(client.post("/accounts/login/", data), f"login {name}")
        cache.clear()  # allauth's login rate limit would answer 429 before the form


def test_bad_consent_and_language_switch():
    client = browser()
    for name, data in variants({"choice": "accept", "next": "/"}):
        assert_no_server_error(client.post("/consent/", data), f"consent {name}")
    for name, data in variants({"next": "/", "language": "en"}):
        assert_no_server_error(client.post("/i18n/setlang/", data), f"setlang {name}")


def signed(body: bytes) -> str:
    ts = int(time.time())
    mac = hmac.new(b"whsec_sweep", f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"{}",
        b"null",
        b"42",
        b'"x"',
        b"\xff\xfe",
        b"\x00",
        b"{" * 5000,
        json.dumps({"id": "evt_1", "type": "checkout.session.completed", "data": []}).encode(),
        json.dumps(
            {"id": "evt_2", "type": "checkout.session.completed", "data": {"object": []}}
        ).encode(),
        json.dumps(
            {
                "id": "evt_3",
                "type": "checkout.session.completed",
                "data": {"object": {"payment_status": "paid", "amount_total": "lots"}},
            }
        ).encode(),
        json.dumps(
            {
                "id": "evt_4",
                "type": "charge.refunded",
                "data": {"object": {"amount_refunded": "x", "payment_intent": ["a"]}},
            }
        ).encode(),
    ],
)
def test_bad_webhook_bodies_signed_and_unsigned(body):
    client = browser()
    for header in (signed(body), "", "t=x,v1=\x00"):
        response = client.post(
            "/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        assert_no_server_error(response, f"webhook {body[:20]!r}")


def test_bad_withdrawal_input():
    """The withdrawal form (/widerruf/) and its confirmation step."""
    client = browser()
    form = {"name": "Karla Kundin", "reference": "2026-AB12CD", "email": "karla@example.org"}
    for name, data in variants(form):
        assert_no_server_error(client.post("/widerruf/", data), f"withdraw {name}")
        order = data.get(name, "")
        assert_no_server_error(client.get("/widerruf/", {"order": order}), f"?order {name}")
    for value in [*BAD_VALUES, ["1", "2"]]:
        response = client.post("/widerruf/bestaetigen/", {"token": value})
        assert_no_server_error(response, f"confirm {value!r:.20}")
