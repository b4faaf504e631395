"""The real HTTP client against a receiver on this machine (no outside network)."""

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from webhooks import transport


class Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers["content-length"])
        Receiver.received.append(
            (self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
        )
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("location", "/elsewhere")
            self.end_headers()
            return
        body = b"x" * 5000
        self.send_response(204 if self.path == "/empty" else 200)
        self.send_header("content-length", "0" if self.path == "/empty" else str(len(body)))
        self.end_headers()
        if self.path != "/empty":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Receiver.received = []
    httpd = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def test_post_sends_body_and_headers_and_reads_only_an_excerpt(server):
    response = transport.post(
        server + "/hook",
        body=b'{"a":1}',
        headers={"webhook-id": "msg_1", "content-type": "application/json"},
    )

    assert response.status == 200
    assert response.text == "x" * 500
    path, headers, body = Receiver.received[0]
    assert (path, body, headers["webhook-id"]) == ("/hook", b'{"a":1}', "msg_1")


def test_the_connection_goes_to_the_approved_address_under_the_endpoints_name(server):
    port = server.rsplit(":", 1)[1]
    # The fake DNS says hooks.example.com is 93.184.216.34; the connection must
    # go to the address given (checked before), whatever the name says now.
    response = transport.post(
        f"http://hooks.example.com:{port}/pinned", body=b"{}", headers={}, address="127.0.0.1"
    )

    assert response.status == 200
    path, headers, _body = Receiver.received[0]
    assert path == "/pinned"
    assert headers["host"] == f"hooks.example.com:{port}"


def test_redirects_are_not_followed(server):
    response = transport.post(server + "/moved", body=b"{}", headers={})

    assert response.status == 302
    assert [r[0] for r in Receiver.received] == ["/moved"]


def test_a_refused_connection_is_a_transport_error(server):
    closed_port_url = "http://127.0.0.1:9/hook"  # discard port: nothing listens
    with pytest.raises(transport.TransportError):
        transport.post(closed_port_url, body=b"{}", headers={})


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """An https receiver on 127.0.0.1 with a certificate for hooks.example.com,
    trusted by the transport for this test."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    options = [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=hooks.example.com",
        "-addext",
        "subjectAltName=DNS:hooks.example.com",
    ]
    subprocess.run(  # noqa: S603 - fixed arguments
        [openssl, *options, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True
    )
    monkeypatch.setattr(transport, "VERIFY", ssl.create_default_context(cafile=str(cert)))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(str(cert), str(key))
    Receiver.received = []
    httpd = HTTPServer(("127.0.0.1", 0), Receiver)
    httpd.socket = server_context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()


def test_https_to_the_approved_address_checks_the_certificate_of_the_endpoints_name(tls_server):
    response = transport.post(
        f"https://hooks.example.com:{tls_server}/tls", body=b"{}", headers={}, address="127.0.0.1"
    )

    assert response.status == 200
    assert Receiver.received[0][1]["host"] == f"hooks.example.com:{tls_server}"


def test_https_with_a_certificate_for_another_name_is_refused(tls_server):
    with pytest.raises(transport.TransportError):
        transport.post(
            f"https://crm.example.net:{tls_server}/tls", body=b"{}", headers={}, address="127.0.0.1"
        )
    assert Receiver.received == []
