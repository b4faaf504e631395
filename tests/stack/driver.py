"""A customer over HTTP, as a browser would be: no Django in this process.

Used by tests/stack (through nginx) and bench/proxy.py (through nginx or straight
to gunicorn). Each visitor may leave from its own loopback address (127.0.0.N), so
nginx sees different clients; cookies are kept by hand, so the same visitor works
over https (nginx) and over plain http straight to gunicorn (Secure cookies)."""

import os
import re
import ssl
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import httpx


def tls():
    """Trust the stack's own certificate (.ci/stack makes one per run: STACK_CA)."""
    return ssl.create_default_context(cafile=os.environ["STACK_CA"])


CHECKOUT_FORM = {
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


@dataclass
class Visitor:
    base: str  # https://127.0.0.1:8143 (the proxy) or http://127.0.0.1:8101 (gunicorn)
    local_address: str | None = None
    headers: dict = field(default_factory=dict)  # e.g. X-Forwarded-Proto straight to gunicorn
    cookies: dict = field(default_factory=dict)
    origin: str | None = None  # what the browser's address bar says (default: base)

    def __post_init__(self):
        transport = httpx.HTTPTransport(local_address=self.local_address, verify=tls())
        self.http = httpx.Client(
            base_url=self.base, transport=transport, timeout=30, follow_redirects=False
        )

    def close(self):
        self.http.close()

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Accept-Language": "de", **self.headers, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            origin = self.origin or self.base
            headers.setdefault("Referer", origin + path)
            headers.setdefault("Origin", origin)
        response = self.http.request(method, path, headers=headers, **kwargs)
        self.http.cookies.clear()
        for raw in response.headers.get_list("set-cookie"):
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def order(self, *, product_id: int, email: str, partner: str = "anna") -> httpx.Response:
        """Add to cart from the partner's page, check out as a guest, place the order.
        The answer of the last step: 302 to the confirmation, or 429."""
        if "csrftoken" not in self.cookies:
            token = self.get("/shop/token/").json()["csrf"]
        else:
            token = self.cookies["csrftoken"]
        added = self.post(
            "/cart/add/",
            {
                "product": product_id,
                "ref": partner,
                "next": f"/{partner}/",
                "csrfmiddlewaretoken": token,
            },
        )
        assert added.status_code in (200, 302), (added.status_code, added.text[:500])
        checked = self.post(
            "/checkout/", {**CHECKOUT_FORM, "email": email, "csrfmiddlewaretoken": token}
        )
        assert checked.status_code == 302, (checked.status_code, checked.text[:1000])
        review = self.get("/checkout/review/")
        match = re.search(r'name="checkout_token" value="([^"]+)"', review.text)
        assert match, review.text[:1000]
        return self.post(
            "/checkout/place/", {"checkout_token": match.group(1), "csrfmiddlewaretoken": token}
        )


def product_links(html: str, partner: str = "anna") -> list[str]:
    return sorted(set(re.findall(rf'href="(/{partner}/p/\d+-[^"/?]+/)', html)))


def og_image(html: str) -> str:
    match = re.search(r'<meta property="og:image" content="([^"]+)"', html)
    assert match, "no og:image"
    return match.group(1)


def image_sources(html: str) -> list[str]:
    sources = set(re.findall(r'<img[^>]+src="([^"]+)"', html))
    for srcset in re.findall(r'srcset="([^"]+)"', html):
        sources.update(part.strip().split(" ")[0] for part in srcset.split(","))
    return sorted(s for s in sources if "/media/" in s)
