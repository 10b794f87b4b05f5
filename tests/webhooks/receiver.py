"""A real HTTP receiver for webhook tests, on 127.0.0.1, in a thread.

``answers`` is a list of what to do for each request in turn (the last one
repeats): a status code, ``("redirect", location)``, ``("sleep", seconds,
status)`` or ``("trickle", seconds, status)`` (the answer's headers one byte
every ``seconds``, a slow-loris receiver). Every request is recorded (method, path, headers, raw body).
"""

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, answers=(200,)):
        self.answers = list(answers)
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # a followed redirect would land here
                receiver.requests.append(("GET", self.path, dict(self.headers), b""))
                self.send_response(200)
                self.end_headers()

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                index = len(receiver.requests)
                receiver.requests.append(("POST", self.path, dict(self.headers), body))
                answer = receiver.answers[min(index, len(receiver.answers) - 1)]
                if isinstance(answer, tuple) and answer[0] == "sleep":
                    time.sleep(answer[1])
                    answer = answer[2]
                if isinstance(answer, tuple) and answer[0] == "trickle":
                    self.trickle(answer[1], answer[2])
                    return
                if isinstance(answer, tuple) and answer[0] == "redirect":
                    self.send_response(302)
                    self.send_header("Location", answer[1])
                else:
                    self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def trickle(self, interval, status):
                answer = (
                    f"HTTP/1.1 {status} OK\r\n"
                    + "X-Padding: "
                    + "." * 40
                    + "\r\n"
                    + "Content-Length: 0\r\n\r\n"
                ).encode()
                try:
                    for byte in answer:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(interval)
                except OSError:
                    pass  # the sender gave up: what the test wants
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/amorce"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def posts(self):
        return [r for r in self.requests if r[0] == "POST"]


def verify(secret, header, body, tolerance=300, now=None):
    """The check docs/webhooks.md gives receivers, as they would write it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])
