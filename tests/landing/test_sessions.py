"""The session store (landing/sessions): one INSERT for a new visitor, one
SELECT for a returning one, same data and safety as Django's database store."""

import logging
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from landing import sessions
from landing.sessions.cached_db import SessionStore as CachedDBStore
from landing.sessions.db import SessionStore
from orders.models import Order
from tests.orders.helpers import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_memo():
    sessions.decoded_memo.clear()
    yield
    sessions.decoded_memo.clear()


def test_a_new_session_is_one_insert_and_reads_back(django_assert_num_queries):
    store = SessionStore()
    store["referral"] = {"slug": "anna", "at": 1.5}
    # inside the test's transaction: savepoint, INSERT, release (in autocommit just the INSERT)
    with django_assert_num_queries(3) as queries:
        store.save()
    assert sum("INSERT" in q["sql"] for q in queries.captured_queries) == 1
    assert not any("SELECT" in q["sql"] for q in queries.captured_queries)  # no "is the key taken?"
    assert len(store.session_key) == 32 and Session.objects.filter(pk=store.session_key).exists()
    assert SessionStore(store.session_key)["referral"] == {"slug": "anna", "at": 1.5}


@pytest.mark.django_db(transaction=True)
def test_new_visitor_costs_the_partner_lookup_and_one_insert(anna, settings):
    settings.LANDING_VISIT_FLUSH_SECONDS = 3600  # visits are written in batches
    Client().get("/anna/")  # fills the page cache
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/anna/")
    assert response.status_code == 200 and "sessionid" in response.cookies
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements == ["SELECT", "INSERT"]  # partner and catalogue stamp; the session


def test_a_taken_key_is_not_overwritten_and_create_takes_another(monkeypatch):
    first = SessionStore()
    first["cart"] = {"1": 2}
    first.save()
    keys = iter([first.session_key, "b" * 32])
    monkeypatch.setattr(sessions.db, "new_session_key", lambda: next(keys))

    second = SessionStore()
    second["cart"] = {"7": 1}
    second.save()

    assert second.session_key == "b" * 32
    assert SessionStore(first.session_key)["cart"] == {"1": 2}
    assert SessionStore("b" * 32)["cart"] == {"7": 1}


def test_insert_of_a_taken_key_raises_create_error():
    first = SessionStore()
    first["x"] = 1
    first.save()
    clash = SessionStore(first.session_key)
    clash._session_cache = {"x": 2}
    with pytest.raises(CreateError):
        clash.save(must_create=True)
    assert SessionStore(first.session_key)["x"] == 1


def test_expired_or_unknown_session_reads_empty_and_gets_a_new_key():
    store = SessionStore()
    store["referral"] = {"slug": "anna"}
    store.save()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("referral") is None and expired.session_key is None
    assert SessionStore("x" * 32).get("referral") is None


def test_tampered_session_data_reads_empty_and_is_logged(caplog):
    store = SessionStore()
    store["referral"] = {"slug": "anna"}
    store.save()
    row = Session.objects.get(pk=store.session_key)
    Session.objects.filter(pk=row.pk).update(session_data=row.session_data[:-3] + "abc")
    with caplog.at_level(logging.WARNING, logger="django.security.SuspiciousSession"):
        assert SessionStore(store.session_key).get("referral") is None
    assert "Session data corrupted" in caplog.text


def test_unchanged_session_text_is_verified_once_and_each_read_gets_its_own_copy(monkeypatch):
    store = SessionStore()
    store["cart"] = {"1": 2}
    store.save()
    checks = []
    verify = sessions.db.db.SessionStore.decode
    monkeypatch.setattr(
        sessions.db.db.SessionStore, "decode", lambda self, d: checks.append(d) or verify(self, d)
    )

    first = SessionStore(store.session_key)
    first["cart"]["1"] = 99  # a caller changing its data in place
    second = SessionStore(store.session_key)

    assert second["cart"] == {"1": 2}
    assert len(checks) == 1


def test_changed_session_is_read_anew():
    store = SessionStore()
    store["cart"] = {"1": 2}
    store.save()
    SessionStore(store.session_key).load()
    again = SessionStore(store.session_key)
    again["cart"] = {"1": 3}
    again.save()
    assert SessionStore(store.session_key)["cart"] == {"1": 3}


def test_cached_db_store_creates_with_one_insert_and_reads_from_the_cache(
    django_assert_num_queries,
):
    cache.clear()
    store = CachedDBStore()
    store["referral"] = {"slug": "anna"}
    with django_assert_num_queries(3):  # savepoint, INSERT, release
        store.save()
    with django_assert_num_queries(0):
        assert CachedDBStore(store.session_key)["referral"] == {"slug": "anna"}
    cache.clear()
    assert CachedDBStore(store.session_key)["referral"] == {"slug": "anna"}  # the database
    changed = CachedDBStore(store.session_key)
    changed["referral"] = {"slug": "ben"}
    changed.save()
    assert CachedDBStore(store.session_key)["referral"] == {"slug": "ben"}


@pytest.mark.parametrize("store_class", [SessionStore, CachedDBStore])
def test_new_key_on_sign_in_keeps_the_data_and_drops_the_old_row(store_class):
    cache.clear()
    store = store_class()
    store["cart"] = {"1": 2}
    store.save()
    old_key = store.session_key
    store.cycle_key()  # what login() does
    store.save()
    assert store.session_key != old_key
    assert store_class(store.session_key)["cart"] == {"1": 2}
    assert not Session.objects.filter(pk=old_key).exists()


@pytest.mark.parametrize(
    "engine", ["landing.sessions.db", "landing.sessions.cached_db"], ids=["db", "cached_db"]
)
def test_visit_cart_and_checkout_work_with_either_store(engine, settings, anna, soap):
    settings.SESSION_ENGINE = engine
    cache.clear()
    visitor = Client()
    visitor.get("/anna/")
    visitor.post("/cart/add/", {"product": soap.pk, "quantity": 2})
    assert visitor.session["referral"]["slug"] == "anna"
    assert visitor.session["cart"] == {str(soap.pk): 2}
    in_cache = cache.get("django.contrib.sessions.cached_db" + visitor.cookies["sessionid"].value)
    assert (in_cache is not None) == (engine == "landing.sessions.cached_db")
    order = checkout(visitor, soap)
    assert (order.attributed_partner, order.attribution) == (anna, Order.Attribution.LANDING)
