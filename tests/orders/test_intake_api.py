"""The company's order intake API (/api/v1/orders): external shops place orders,
book payments and refunds; attributed and booked like the own shop's orders."""

import contextlib
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import CompanyApiKey, Customer, IdempotencyKey, Order, Refund
from orders.services import company_api_key_create, company_api_key_revoke
from partners.models import Partner
from qualification.models import PartnerPeriodStats, VolumeEntry
from tests.factories import CustomerFactory, PartnerFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal
WRITE, READ = CompanyApiKey.Scope.ORDERS_WRITE, CompanyApiKey.Scope.ORDERS_READ


@pytest.fixture
def shop_key(db):
    key, raw = company_api_key_create(name="Shopify", source="shopify", scopes=[WRITE, READ])
    return key, raw


@pytest.fixture
def api(shop_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_key[1]}")
    return client


@pytest.fixture
def soap(db):
    return ProductFactory(
        name="Seife", sku="SOAP-01", price=D("12.50"), qv=D("10.00"), cv=D("10.50")
    )


@pytest.fixture
def anna(db):
    return PartnerFactory(slug="anna", first_name="Anna", last_name="Albers")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    @contextlib.contextmanager
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def order_body(**overrides):
    body = {
        "external_id": "1001",
        "customer": {"email": "karla@example.org", "first_name": "Karla", "last_name": "Kundin"},
        "lines": [{"sku": "SOAP-01", "quantity": 2, "unit_price": "12.50"}],
    }
    body.update(overrides)
    return body


def post(client, url, body, key=None):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()))


# --- Keys and authentication ------------------------------------------------------


def test_the_key_is_stored_only_as_a_hash(shop_key):
    key, raw = shop_key
    assert raw.startswith("mlmk_") and len(raw) > 40
    assert raw not in (key.key_hash, key.prefix) and raw.startswith(key.prefix)


def test_without_a_key_the_api_answers_401(soap):
    response = post(APIClient(), "/api/v1/orders", order_body())
    assert response.status_code == 401
    assert not Order.objects.exists()


def test_a_wrong_key_is_refused(soap):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer mlmk_not-a-key")
    response = post(client, "/api/v1/orders", order_body())
    assert response.status_code == 401
    assert "Invalid or revoked API key" in response.json()["detail"]


def test_a_revoked_key_is_refused_at_once(api, shop_key, soap):
    company_api_key_revoke(key=shop_key[0])
    response = post(api, "/api/v1/orders", order_body())
    assert response.status_code == 401
    assert not Order.objects.exists()


def test_a_key_without_the_write_scope_may_read_but_not_place(soap):
    _key, raw = company_api_key_create(name="Reporting", source="shopify", scopes=[READ])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = post(client, "/api/v1/orders", order_body())
    assert response.status_code == 403
    assert "scope" in response.json()["detail"]
    assert not Order.objects.exists()


def test_a_key_without_the_read_scope_cannot_read(api, soap):
    number = post(api, "/api/v1/orders", order_body()).json()["number"]
    _key, raw = company_api_key_create(name="Writer", source="shopify", scopes=[WRITE])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/v1/orders/{number}").status_code == 403


def test_a_partner_token_is_not_a_company_key(soap, anna):
    from dashboard.services import api_token_create

    _token, raw = api_token_create(partner=anna, name="mine")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert post(client, "/api/v1/orders", order_body()).status_code == 401


def test_using_a_key_records_when(api, shop_key, soap):
    post(api, "/api/v1/orders", order_body())
    shop_key[0].refresh_from_db()
    assert shop_key[0].last_used_at is not None


# --- Placing orders and their attribution -------------------------------------------


def test_an_order_with_a_partner_code_is_attributed_to_that_partner_and_binds_the_customer(
    api, soap, anna
):
    response = post(api, "/api/v1/orders", order_body(partner="ANNA", shipping="4.90"))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["attribution"]["partner"] == "anna"
    assert body["attribution"]["reason"] == "code"
    assert "anna" in body["attribution"]["explanation"]
    assert (body["status"], body["total"], body["qv"], body["cv"]) == (
        "pending",
        "29.90",
        "20.00",
        "21.00",
    )
    assert body["external_id"] == "1001"
    order = Order.objects.get(number=body["number"])
    assert order.external_id == "shopify:1001"
    assert order.payment_method == Order.PaymentMethod.EXTERNAL
    assert not order.mails.exists()  # the shop mails its customer itself
    assert Customer.objects.get(email="karla@example.org").bound_partner == anna
    assert body["lines"][0]["sku"] == "SOAP-01" and body["lines"][0]["name"] == "Seife"


def test_a_bound_customer_stays_with_their_partner_whatever_code_the_shop_sends(api, soap, anna):
    bert = PartnerFactory(slug="bert")
    CustomerFactory(email="karla@example.org", bound_partner=bert, bound_at=timezone.now())

    body = post(api, "/api/v1/orders", order_body(partner="anna")).json()

    assert body["attribution"]["partner"] == "bert"
    assert body["attribution"]["reason"] == "bound"
    assert "anna" in body["attribution"]["explanation"]


def test_a_partner_ordering_with_their_account_email_is_their_own_order(api, soap, anna):
    body = post(
        api, "/api/v1/orders", order_body(customer={"email": " Anna@Example.com "}, partner="")
    ).json()

    assert (body["attribution"]["partner"], body["attribution"]["reason"]) == ("anna", "own")
    assert not Customer.objects.get(email="anna@example.com").bound_partner


def test_without_code_or_binding_the_order_is_the_companys(api, soap):
    body = post(api, "/api/v1/orders", order_body()).json()
    assert body["attribution"] == {
        "partner": None,
        "reason": "none",
        "explanation": "No partner: the order counts for the company.",
    }


def test_in_last_touch_mode_the_code_wins_over_the_binding_like_at_the_own_checkout(
    api, soap, anna, settings
):
    settings.ATTRIBUTION_MODE = "last_touch"
    bert = PartnerFactory(slug="bert")
    CustomerFactory(email="karla@example.org", bound_partner=bert, bound_at=timezone.now())

    body = post(api, "/api/v1/orders", order_body(partner="anna")).json()

    assert (body["attribution"]["partner"], body["attribution"]["reason"]) == ("anna", "code")


def test_a_fresh_referral_from_the_shop_attributes(api, soap, anna):
    referral = {"slug": "anna", "seen_at": timezone.now().isoformat()}
    body = post(api, "/api/v1/orders", order_body(referral=referral)).json()
    assert (body["attribution"]["partner"], body["attribution"]["reason"]) == ("anna", "referral")


@pytest.mark.parametrize("status", [None, Partner.Status.INACTIVE, Partner.Status.TERMINATED])
def test_an_unknown_or_inactive_partner_code_is_refused_with_422_and_nothing_saved(
    api, soap, status
):
    code = "nobody"
    if status:
        PartnerFactory(slug="paused", status=status)
        code = "paused"

    response = post(api, "/api/v1/orders", order_body(partner=code))

    assert response.status_code == 422
    assert code in response.json()["partner"][0]
    assert not Order.objects.exists() and not IdempotencyKey.objects.exists()


def test_an_unknown_code_may_be_ignored_on_request_and_the_answer_says_so(api, soap):
    body = post(
        api, "/api/v1/orders", order_body(partner="nobody", ignore_unknown_partner=True)
    ).json()
    assert body["attribution"]["reason"] == "none"
    assert "nobody" in body["attribution"]["explanation"]


def test_a_line_with_an_unknown_sku_needs_qv_and_cv_and_then_counts_as_sent(api, soap):
    line = {"sku": "GIFT", "name": "Gift box", "quantity": 1, "unit_price": "5.00"}
    refused = post(api, "/api/v1/orders", order_body(lines=[line]))
    assert refused.status_code == 400
    assert "GIFT" in refused.json()["lines"]["0"]["qv"][0]

    line.update(qv="1.50", cv="4.20", vat_rate="7.00")
    body = post(api, "/api/v1/orders", order_body(lines=[line])).json()
    assert (body["qv"], body["cv"], body["lines"][0]["vat_rate"]) == ("1.50", "4.20", "7.00")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"customer": {"email": "not-an-address"}}, "customer"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "SOAP-01", "quantity": 0, "unit_price": "1"}]}, "lines"),
        ({"lines": [{"sku": "SOAP-01", "quantity": 1, "unit_price": "-1"}]}, "lines"),
        ({"lines": "soap"}, "lines"),
        ({"external_id": ""}, "external_id"),
        ({"currency": "USD"}, "currency"),
        ({"placed_at": "2999-01-01T00:00:00Z"}, "placed_at"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(api, soap, change, field):
    response = post(api, "/api/v1/orders", order_body(**change))
    assert response.status_code == 400
    assert field in response.json()
    assert not Order.objects.exists()


def test_malformed_json_is_a_400(api, soap):
    response = api.post(
        "/api/v1/orders", "{nope", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert response.status_code == 400


def test_a_write_without_idempotency_key_is_refused(api, soap):
    response = api.post("/api/v1/orders", order_body(), format="json")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]


def test_the_same_external_id_twice_is_a_conflict(api, soap):
    first = post(api, "/api/v1/orders", order_body())
    second = post(api, "/api/v1/orders", order_body())
    assert (first.status_code, second.status_code) == (201, 409)
    assert Order.objects.count() == 1


def test_external_ids_are_unique_per_source_and_other_shops_orders_are_invisible(api, soap):
    _key, raw = company_api_key_create(name="Woo", source="woo", scopes=[WRITE, READ])
    woo = APIClient()
    woo.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    number = post(api, "/api/v1/orders", order_body()).json()["number"]

    assert post(woo, "/api/v1/orders", order_body()).status_code == 201
    assert woo.get(f"/api/v1/orders/{number}").status_code == 404
    assert api.get("/api/v1/orders/1001").json()["number"] == number


# --- Idempotency --------------------------------------------------------------------


def test_the_same_idempotency_key_twice_gives_the_same_answer_and_one_order(api, soap, anna):
    first = post(api, "/api/v1/orders", order_body(partner="anna"), key="abc")
    again = post(api, "/api/v1/orders", order_body(partner="anna"), key="abc")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_refused(api, soap):
    post(api, "/api/v1/orders", order_body(), key="abc")
    response = post(api, "/api/v1/orders", order_body(external_id="1002"), key="abc")

    assert response.status_code == 422
    assert "different request" in response.json()["detail"]
    assert Order.objects.count() == 1


def test_a_refused_request_may_be_corrected_under_the_same_key(api, soap, anna):
    assert post(api, "/api/v1/orders", order_body(partner="anne"), key="abc").status_code == 422
    assert post(api, "/api/v1/orders", order_body(partner="anna"), key="abc").status_code == 201


def test_idempotency_keys_belong_to_one_api_key(api, soap):
    _key, raw = company_api_key_create(name="Woo", source="woo", scopes=[WRITE])
    woo = APIClient()
    woo.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    post(api, "/api/v1/orders", order_body(), key="abc")
    assert post(woo, "/api/v1/orders", order_body(), key="abc").status_code == 201
    assert Order.objects.count() == 2


def test_old_idempotency_keys_are_forgotten_after_the_set_days(api, soap, settings):
    from datetime import timedelta

    from orders.tasks import idempotency_keys_prune

    settings.ORDER_INTAKE_IDEMPOTENCY_DAYS = 30
    post(api, "/api/v1/orders", order_body(), key="old")
    post(api, "/api/v1/orders", order_body(external_id="1002"), key="new")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=31))

    assert idempotency_keys_prune() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


# --- Payments and refunds book volume exactly once ---------------------------------------


def test_payment_books_the_volume_once_even_when_sent_again(api, soap, anna, committed):
    number = post(api, "/api/v1/orders", order_body(partner="anna")).json()["number"]
    payment = {"reference": "pay-1", "amount": "25.00"}

    with committed():
        first = post(api, f"/api/v1/orders/{number}/payments", payment, key="p1")
        replay = post(api, f"/api/v1/orders/{number}/payments", payment, key="p1")
        resent = post(api, f"/api/v1/orders/{number}/payments", payment, key="p2")

    assert (first.status_code, replay.status_code, resent.status_code) == (200, 200, 200)
    assert first.json()["status"] == "paid" and first.json()["payment_reference"] == "pay-1"
    entries = VolumeEntry.objects.filter(order__number=number)
    assert [(e.partner, e.kind, e.qv, e.cv) for e in entries] == [
        (anna, "customer", D("20.00"), D("21.00"))
    ]
    stats = PartnerPeriodStats.objects.get(partner=anna)
    assert (stats.pv, stats.customer_pv) == (D("20.00"), D("20.00"))


def test_a_second_payment_with_another_reference_is_a_conflict(api, soap):
    number = post(api, "/api/v1/orders", order_body()).json()["number"]
    post(api, f"/api/v1/orders/{number}/payments", {"reference": "pay-1"})
    response = post(api, f"/api/v1/orders/{number}/payments", {"reference": "pay-2"})
    assert response.status_code == 409
    assert Order.objects.get().payment_reference == "pay-1"


def test_a_payment_of_another_amount_is_refused(api, soap):
    number = post(api, "/api/v1/orders", order_body()).json()["number"]
    response = post(api, f"/api/v1/orders/{number}/payments", {"reference": "p", "amount": "1.00"})
    assert response.status_code == 400 and "25.00" in response.json()["amount"][0]
    assert Order.objects.get().status == "pending"


def test_payment_of_an_unknown_order_is_a_404(api):
    assert post(api, "/api/v1/orders/2026-XXXXXX/payments", {"reference": "p"}).status_code == 404


def test_partial_then_full_refund_take_the_volume_back_once(api, soap, anna, committed):
    cream = ProductFactory(name="Creme", sku="CREAM", price=D("30"), qv=D("25"), cv=D("20"))
    lines = [
        {"sku": "SOAP-01", "quantity": 2, "unit_price": "12.50"},
        {"sku": "CREAM", "quantity": 1, "unit_price": "30.00"},
    ]
    with committed():
        number = post(api, "/api/v1/orders", order_body(partner="anna", lines=lines)).json()[
            "number"
        ]
        post(api, f"/api/v1/orders/{number}/payments", {"reference": "pay-1"})
        partial = {"reference": "r-1", "lines": [{"sku": "SOAP-01", "quantity": 1}]}
        first = post(api, f"/api/v1/orders/{number}/refunds", partial, key="r1")
        replay = post(api, f"/api/v1/orders/{number}/refunds", partial, key="r1")
        resent = post(api, f"/api/v1/orders/{number}/refunds", partial, key="r1-other")
        rest = post(api, f"/api/v1/orders/{number}/refunds", {"reference": "r-2"})

    assert (first.status_code, replay.status_code, resent.status_code, rest.status_code) == (
        201,
        201,
        200,
        201,
    )
    assert first.json()["refund"]["qv"] == "10.00" and first.json()["order"]["status"] == "paid"
    assert rest.json()["order"]["status"] == "refunded"
    assert rest.json()["refund"]["qv"] == "35.00"
    assert Refund.objects.count() == 2
    assert sum(e.qv for e in VolumeEntry.objects.filter(partner=anna)) == D("0")
    assert PartnerPeriodStats.objects.get(partner=anna).pv == D("0")
    assert cream  # used through its sku


def test_refunding_more_than_bought_is_refused_and_changes_nothing(api, soap):
    number = post(api, "/api/v1/orders", order_body()).json()["number"]
    post(api, f"/api/v1/orders/{number}/payments", {"reference": "pay-1"})
    response = post(
        api, f"/api/v1/orders/{number}/refunds", {"lines": [{"sku": "SOAP-01", "quantity": 3}]}
    )
    assert response.status_code == 409
    assert "only 2 of 2" in response.json()["detail"]
    assert not Refund.objects.exists()


def test_an_empty_list_of_refund_lines_is_refused_not_taken_for_everything(api, soap):
    number = post(api, "/api/v1/orders", order_body()).json()["number"]
    post(api, f"/api/v1/orders/{number}/payments", {"reference": "pay-1"})
    response = post(api, f"/api/v1/orders/{number}/refunds", {"lines": []})
    assert response.status_code == 400 and "lines" in response.json()
    assert not Refund.objects.exists()


def test_refunding_a_pending_order_is_a_conflict(api, soap):
    number = post(api, "/api/v1/orders", order_body()).json()["number"]
    assert post(api, f"/api/v1/orders/{number}/refunds", {}).status_code == 409


def test_a_refund_line_that_is_not_in_the_order_is_a_400(api, soap):
    number = post(api, "/api/v1/orders", order_body()).json()["number"]
    post(api, f"/api/v1/orders/{number}/payments", {"reference": "pay-1"})
    response = post(
        api, f"/api/v1/orders/{number}/refunds", {"lines": [{"sku": "NOPE", "quantity": 1}]}
    )
    assert response.status_code == 400
    assert "lines" in response.json()


# --- Reading, rate limit, schema ----------------------------------------------------------


def test_reading_an_order_shows_its_attribution(api, soap, anna):
    number = post(api, "/api/v1/orders", order_body(partner="anna")).json()["number"]
    body = api.get(f"/api/v1/orders/{number}").json()
    assert body["attribution"]["reason"] == "code" and body["number"] == number


def test_requests_beyond_the_rate_of_a_key_get_429(api, soap, settings):
    settings.ORDER_INTAKE_RATE = "3/min"
    codes = [api.get("/api/v1/orders/nothing").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    _key, raw = company_api_key_create(name="Woo", source="woo", scopes=[READ])
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert other.get("/api/v1/orders/nothing").status_code == 404  # counted per key


def test_the_schema_lists_the_intake_endpoints_with_examples(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/orders"]
    assert {
        "/api/v1/orders/{id}",
        "/api/v1/orders/{id}/payments",
        "/api/v1/orders/{id}/refunds",
    } <= set(paths)
    assert "/api/v1/me" in paths
    assert paths["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert "companyApiKey" in schema["components"]["securitySchemes"]


# --- Admin ---------------------------------------------------------------------------


def test_an_admin_creates_a_key_sees_the_secret_once_and_can_revoke_it(
    admin_client, admin_user, soap
):
    response = admin_client.post(
        "/admin/orders/companyapikey/add/",
        {"name": "Shopware", "source": "shopware", "scopes": ["orders:write"]},
    )

    assert response.status_code == 200
    key = CompanyApiKey.objects.get(name="Shopware")
    secret = response.context["secret"]
    assert secret in response.content.decode() and secret.startswith(key.prefix)
    assert (key.scopes, key.created_by, key.source) == (["orders:write"], admin_user, "shopware")
    assert (
        secret
        not in admin_client.get(f"/admin/orders/companyapikey/{key.pk}/change/").content.decode()
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert post(client, "/api/v1/orders", order_body()).status_code == 201

    admin_client.post(
        "/admin/orders/companyapikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert post(client, "/api/v1/orders", order_body(external_id="2")).status_code == 401


BAD_JSON = {
    "nested 5,000 lists deep": "[" * 5000 + "]" * 5000,
    "nested 5,000 objects deep": '{"a":' * 5000 + "1" + "}" * 5000,
    "nested 100 deep inside an order": '{"customer": ' + "[" * 100 + "]" * 100 + "}",
    "a list": "[]",
    "null": "null",
    "a string": '"order"',
    "NaN": "NaN",
    "cut off": '{"external_id": "1"',
    "not UTF-8": b"\xff\xfe{}",
}


@pytest.mark.parametrize("body", BAD_JSON.values(), ids=BAD_JSON.keys())
@pytest.mark.parametrize(
    "url", ["/api/v1/orders", "/api/v1/orders/1001/payments", "/api/v1/orders/1001/refunds"]
)
def test_every_body_that_is_not_an_order_in_json_is_a_400(api, soap, url, body):
    if url != "/api/v1/orders":
        assert post(api, "/api/v1/orders", order_body()).status_code == 201
    response = api.generic(
        "POST",
        url,
        body if isinstance(body, bytes) else body.encode(),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 400
    assert Order.objects.count() == (0 if url == "/api/v1/orders" else 1)
    assert not Refund.objects.exists()
