"""The one place that speaks HTTP. Tests replace `post` with a fake receiver."""

from dataclasses import dataclass

import requests

# Connect, read (seconds). A receiver should answer quickly and work later.
TIMEOUT = (3.05, 10)


@dataclass(frozen=True)
class Response:
    status: int
    text: str


class TransportError(Exception):
    """The request did not get an HTTP answer (connection, TLS, timeout)."""


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Response:
    try:
        # No redirects: a 3xx must not lead the request to another (private) host.
        # Streamed, so a huge answer is never read past its first 500 bytes.
        with requests.post(
            url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True
        ) as response:
            excerpt = response.raw.read(500, decode_content=True) or b""
            return Response(status=response.status_code, text=excerpt.decode("utf-8", "replace"))
    except (requests.RequestException, OSError) as exc:
        raise TransportError(str(exc)) from exc
