"""A LibreTranslate-compatible server for the tests, on 127.0.0.1 in a thread: POST /translate
{q, source, target, format, api_key} → {translatedText}; GET /languages. It "translates" by tagging
every run of text with the target language ("[es] …"), keeping HTML markup as LibreTranslate does,
and records what it was asked. `mode` makes it misbehave: "down" (500), "slow" (answers late),
"evil" (returns markup no page may show)."""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LANGUAGES = [{"code": code, "name": name, "targets": ["en", "fr", "es"]}
             for code, name in (("en", "English"), ("fr", "French"), ("es", "Spanish"))]


class FakeLibreTranslate:
    def __init__(self):
        self.requests: list[dict] = []
        self.mode = "ok"
        self.delay = 2.0
        self.api_key = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.startswith("/languages"):
                    return self._send(200, LANGUAGES)
                return self._send(404, {"error": "Not found"})

            def do_POST(self):
                if not self.path.startswith("/translate"):
                    return self._send(404, {"error": "Not found"})
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append(payload)
                if fake.mode == "down":
                    return self._send(500, {"error": "the model crashed"})
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                if fake.api_key and payload.get("api_key") != fake.api_key:
                    return self._send(403, {"error": "Invalid API key"})
                return self._send(200, {"translatedText": fake.translate(payload)})

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that gave up waiting (the "slow" mode) is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def translate(self, payload: dict) -> str:
        text, target = payload["q"], payload["target"]
        if payload.get("format") == "html":
            out = re.sub(r">([^<]*[^<\s][^<]*)(?=<)", lambda m: f">[{target}] {m.group(1).strip()}", text)
            if self.mode == "evil":
                out += '<script>alert(1)</script><p><a href="javascript:alert(2)">clic</a> <img src="https://x.test/t.png"></p>'
            return out
        return f"[{target}] {text}"

    def texts(self) -> list[str]:
        return [r["q"] for r in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
