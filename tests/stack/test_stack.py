"""The production stack as one piece, through nginx: a shared product link with its
images, guest orders from many clients and one too busy, volume booked by the
worker, the page cache in front of Django, and /healthz."""

import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.stack.driver import Visitor, image_sources, og_image, product_links, tls

pytestmark = pytest.mark.stack
TLS = tls() if "STACK_CA" in os.environ else None


# Anna's PV in the period of today (what her dashboard shows), and an order's partner and QV.
ANNA_PV = (
    "import json; from django.utils import timezone; "
    "from qualification.models import PartnerPeriodStats; "
    "from qualification.services import period_for; "
    "s = PartnerPeriodStats.objects.filter(partner__slug='anna', "
    "period=period_for(at=timezone.now())).first(); pv = s.pv if s else 0; "
)
ORDER = (
    "from orders.models import Order; o = Order.objects.get(number=%r); "
    "print(json.dumps({'pv': str(pv), 'partner': o.attributed_partner.slug, 'qv': str(o.qv)}))"
)


def django_hits(stack, path: str) -> int:
    """Requests for `path` that reached gunicorn (its access log)."""
    log = Path(stack["STACK_ACCESS_LOG"]).read_text()
    return len(re.findall(rf'"GET {re.escape(path)} HTTP', log))


@pytest.fixture(scope="module")
def shared_link(stack):
    """The product link a partner shares, as the landing page lists it."""
    visitor = Visitor(stack["STACK_URL"])
    page = visitor.get("/anna/")
    assert page.status_code == 200, page.text[:500]
    links = product_links(page.text)
    assert links, "no product links on /anna/"
    path = links[0]
    product_id = int(re.match(r"/anna/p/(\d+)-", path).group(1))
    return path, product_id


def test_plain_http_is_sent_to_https_by_the_proxy(stack):
    response = httpx.get(stack["STACK_HTTP_URL"] + "/anna/", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://127.0.0.1:")


def test_static_files_come_from_the_proxy_with_long_caching(stack):
    visitor = Visitor(stack["STACK_URL"])
    page = visitor.get("/anna/").text
    css = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
    response = visitor.get(css)
    assert response.status_code == 200 and "immutable" in response.headers["cache-control"]
    assert django_hits(stack, css) == 0


def test_a_shared_product_link_previews_with_its_image_and_all_images_load(stack, shared_link):
    path, _ = shared_link
    visitor = Visitor(stack["STACK_URL"])
    page = visitor.get(path)
    assert page.status_code == 200
    preview = og_image(page.text)
    assert preview.startswith(stack["STACK_URL"] + "/media/"), preview
    # The link preview bot fetches the absolute address.
    image = httpx.get(preview, verify=TLS)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:2] == b"\xff\xd8"
    sources = image_sources(page.text)
    assert sources, "no product images on the page"
    for src in sources:
        answer = visitor.get(src.removeprefix(stack["STACK_URL"]))
        assert answer.status_code == 200, src
        assert answer.headers["content-type"].startswith("image/"), src


def test_a_guest_orders_on_the_shared_link_and_the_worker_books_the_volume(
    stack, shared_link, manage
):
    path, product_id = shared_link
    visitor = Visitor(stack["STACK_URL"], local_address="127.0.0.2")
    assert visitor.get(path).status_code == 200
    placed = visitor.order(product_id=product_id, email="guest-stack@example.org")
    assert placed.status_code == 302 and "/order/" in placed.headers["location"]
    number = placed.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    assert visitor.get(placed.headers["location"]).status_code == 200

    # The bank transfer arrives (as the statement import marks it): the worker books it.
    before = json.loads(manage(ANNA_PV + ORDER % number).splitlines()[-1])
    assert before["partner"] == "anna"
    manage(
        "from orders.models import Order; from orders.services import order_mark_paid; "
        f"order_mark_paid(order=Order.objects.get(number={number!r}))"
    )
    expected = float(before["pv"]) + float(before["qv"])
    deadline = time.monotonic() + 30
    pv = None
    while time.monotonic() < deadline:
        pv = json.loads(manage(ANNA_PV + "print(json.dumps({'pv': str(pv)}))").splitlines()[-1])[
            "pv"
        ]
        if abs(float(pv) - expected) < 0.001:
            break
        time.sleep(1)
    assert abs(float(pv) - expected) < 0.001, (before, pv)


def test_thirty_customers_from_thirty_addresses_all_order(stack, shared_link):
    _, product_id = shared_link

    def customer(n):
        visitor = Visitor(stack["STACK_URL"], local_address=f"127.0.1.{n}")
        try:
            return visitor.order(product_id=product_id, email=f"c{n}@stack.example.org").status_code
        finally:
            visitor.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(customer, range(1, 31)))
    assert answers == [302] * 30


def test_one_client_over_its_limit_is_refused_even_with_a_made_up_header(stack, shared_link):
    _, product_id = shared_link
    busy = Visitor(stack["STACK_URL"], local_address="127.0.2.9")
    answers = []
    for n in range(11):
        # From the 6th order on it claims to be someone else: the proxy appends the
        # address it saw, and Django takes that one.
        headers = {"X-Forwarded-For": f"203.0.113.{n}"} if n >= 5 else {}
        busy.headers = headers
        answers.append(
            busy.order(product_id=product_id, email=f"busy{n}@stack.example.org").status_code
        )
    assert answers == [302] * 10 + [429]


def test_a_burst_on_the_landing_page_is_answered_by_the_proxy_cache(stack):
    path = "/anna/?utm_source=stack-burst"
    warm = httpx.get(stack["STACK_URL"] + path, verify=TLS, headers={"Accept-Language": "de"})
    assert warm.status_code == 200 and "public" in warm.headers["cache-control"]
    time.sleep(0.2)
    before = django_hits(stack, path)

    def views(_):
        with httpx.Client(verify=TLS, headers={"Accept-Language": "de"}) as http:
            return [http.get(stack["STACK_URL"] + path).status_code for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = [code for batch in pool.map(views, range(8)) for code in batch]
    assert answers == [200] * 200
    time.sleep(0.5)
    assert django_hits(stack, path) - before <= 1


def test_the_cache_keeps_each_language_apart(stack):
    path = "/anna/?utm_source=stack-language"
    german = httpx.get(stack["STACK_URL"] + path, verify=TLS, headers={"Accept-Language": "de"})
    assert '<html lang="de"' in german.text
    chosen = httpx.get(
        stack["STACK_URL"] + path,
        verify=TLS,
        headers={"Accept-Language": "de"},
        cookies={"django_language": "en"},
    )
    assert '<html lang="en"' in chosen.text
    browser_en = httpx.get(stack["STACK_URL"] + path, verify=TLS, headers={"Accept-Language": "en"})
    assert '<html lang="en"' in browser_en.text


def test_health_is_ok_and_degraded_once_the_worker_is_stopped(stack):
    import os
    import signal

    deadline = time.monotonic() + 30
    body = {}
    while time.monotonic() < deadline:
        response = httpx.get(stack["STACK_URL"] + "/healthz", verify=TLS, timeout=10)
        body = response.json()
        if response.status_code == 200:
            break
        time.sleep(1)
    assert body.get("status") == "ok", body
    assert (body["database"], body["cache"], body["broker"], body["worker"], body["beat"]) == (
        "ok",
        "ok",
        "ok",
        "ok",
        "ok",
    )

    os.kill(int(stack["STACK_WORKER_PID"]), signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = httpx.get(stack["STACK_URL"] + "/healthz", verify=TLS, timeout=10)
        if response.status_code == 503:
            break
        time.sleep(1)
    assert response.status_code == 503, response.text
    assert response.json()["worker"] == "missing" and response.json()["status"] == "degraded"
    # The web goes on serving.
    assert httpx.get(stack["STACK_URL"] + "/healthz/live", verify=TLS).status_code == 200
