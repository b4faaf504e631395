"""The one place that speaks HTTP. Tests replace `post` with a fake receiver.

The connection goes to the address the SSRF check approved (`address`), not to
whatever the name resolves to a moment later (DNS rebinding): the URL's host is
replaced by that address, while the Host header and, for https, the TLS server
name (SNI and certificate check) stay the endpoint's own name.
"""

import ssl
from dataclasses import dataclass

import httpx

# Connect, then read/write/pool. A receiver should answer quickly and work later.
TIMEOUT = httpx.Timeout(10.0, connect=3.05)
EXCERPT_BYTES = 500
# Certificates are checked against the system's CAs (tests pass their own context).
VERIFY: ssl.SSLContext | bool = True


@dataclass(frozen=True)
class Response:
    status: int
    text: str


class TransportError(Exception):
    """The request did not get an HTTP answer (connection, TLS, timeout)."""


def post(url: str, *, body: bytes, headers: dict[str, str], address: str | None = None) -> Response:
    target = httpx.URL(url)
    extensions = {}
    if address:
        headers = {**headers, "host": target.netloc.decode("ascii")}
        if target.scheme == "https":
            extensions["sni_hostname"] = target.host
        target = target.copy_with(host=address)
    try:
        # No redirects (a 3xx must not lead elsewhere), no proxies from the environment.
        with (
            httpx.Client(
                timeout=TIMEOUT, follow_redirects=False, trust_env=False, verify=VERIFY
            ) as client,
            client.stream(
                "POST", target, content=body, headers=headers, extensions=extensions
            ) as response,
        ):
            excerpt = b""
            # Never read a huge answer past its first bytes.
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
            text = excerpt[:EXCERPT_BYTES].decode("utf-8", "replace")
            return Response(status=response.status_code, text=text)
    except httpx.HTTPError as exc:
        raise TransportError(str(exc) or exc.__class__.__name__) from exc
