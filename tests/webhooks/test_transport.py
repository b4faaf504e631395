"""The real HTTP client against a receiver on this machine (no outside network)."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from webhooks import transport


class Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        length = int(self.headers["content-length"])
        Receiver.received.append((self.path, dict(self.headers), self.rfile.read(length)))
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


def test_redirects_are_not_followed(server):
    response = transport.post(server + "/moved", body=b"{}", headers={})

    assert response.status == 302
    assert [r[0] for r in Receiver.received] == ["/moved"]


def test_a_refused_connection_is_a_transport_error(server):
    closed_port_url = "http://127.0.0.1:9/hook"  # discard port: nothing listens
    with pytest.raises(transport.TransportError):
        transport.post(closed_port_url, body=b"{}", headers={})
