"""Real servers on 127.0.0.1 for kb remind's delivery tests: the three group robots and SMTP.

The robot server checks each request the way the platforms document it — independently of
generator/notify (the signatures are computed here from the documented formulas, not with our
functions) — and answers with the platforms' own success and error bodies:

- WeCom: ``/cgi-bin/webhook/send?key=KEY``; ``{"errcode": 0, "errmsg": "ok"}``, 93000 for a bad key.
- DingTalk: ``/robot/send?access_token=T&timestamp=MS&sign=S``; sign = base64(HMAC-SHA256(secret,
  f"{timestamp}\\n{secret}")), URL-encoded; the timestamp within an hour; 310000 "sign not match".
- Feishu: ``/open-apis/bot/v2/hook/<uuid>``; the body's ``sign`` = base64(HMAC-SHA256(key =
  f"{timestamp}\\n{secret}", message = b"")), timestamp in seconds within an hour; ``{"code": 0,
  "msg": "success", "data": {}}``, 19021 "sign match fail …".
- Scripted failures: ``/status/500`` (always HTTP 500), ``/status/429-once`` (429 with Retry-After
  once, then WeCom's success), ``/dingtalk-busy/robot/send`` (130101 once, then success).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WECOM_KEY = "693a91f6-7a0c-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
DINGTALK_SECRET = "SECb6b4e0a1f2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2"
FEISHU_HOOK = "2f1e3c4d-5b6a-4978-8c9d-0e1f2a3b4c5d"
FEISHU_SECRET = "zs0TmJ6gYk3pQ9vX2wB5"


@dataclass
class Received:
    platform: str
    path: str
    body: Any
    ok: bool
    detail: str = ""


@dataclass
class RobotServer:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self, platform: str) -> list[Any]:
        return [r.body for r in self.received if r.platform == platform and r.ok]


def _dingtalk_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _feishu_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _handler(state: RobotServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = None
            with state.lock:
                n = state.hits[parts.path] = state.hits.get(parts.path, 0) + 1

            def record(platform: str, ok: bool, detail: str = "") -> None:
                with state.lock:
                    state.received.append(Received(platform, parts.path, body, ok, detail))

            json_ok = "application/json" in self.headers.get("Content-Type", "") and "utf-8" in self.headers.get(
                "Content-Type", ""
            ).lower()
            if parts.path == "/status/500":
                record("500", False)
                self._answer(500, {"error": "internal"})
                return
            if parts.path == "/status/429-once":
                if n == 1:
                    record("429", False)
                    self._answer(429, {"errcode": 45009, "errmsg": "api freq out of limit"}, {"Retry-After": "1"})
                    return
                record("wecom", True)
                self._answer(200, {"errcode": 0, "errmsg": "ok"})
                return
            if parts.path == "/cgi-bin/webhook/send":
                good = query.get("key") == [WECOM_KEY] and json_ok and isinstance(body, dict) and "msgtype" in body
                record("wecom", good)
                self._answer(200, {"errcode": 0, "errmsg": "ok"} if good else {"errcode": 93000, "errmsg": "invalid webhook url"})
                return
            if parts.path.endswith("/robot/send"):
                busy = parts.path.startswith("/dingtalk-busy")
                if busy and n == 1:
                    record("dingtalk-busy", False)
                    self._answer(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
                    return
                ts = (query.get("timestamp") or [""])[0]
                sign = (query.get("sign") or [""])[0]  # parse_qs undoes the URL encoding
                fresh = ts.isdigit() and abs(int(ts) - time.time() * 1000) < 3600 * 1000
                good = (
                    query.get("access_token") == [DINGTALK_TOKEN]
                    and fresh
                    and hmac.compare_digest(sign, _dingtalk_sign(DINGTALK_SECRET, ts))
                    and isinstance(body, dict)
                    and json_ok
                )
                record("dingtalk", good)
                self._answer(200, {"errcode": 0, "errmsg": "ok"} if good else {"errcode": 310000, "errmsg": "sign not match"})
                return
            if parts.path == f"/open-apis/bot/v2/hook/{FEISHU_HOOK}":
                ts = str(body.get("timestamp", "")) if isinstance(body, dict) else ""
                sign = str(body.get("sign", "")) if isinstance(body, dict) else ""
                fresh = ts.isdigit() and abs(int(ts) - time.time()) < 3600
                good = fresh and hmac.compare_digest(sign, _feishu_sign(FEISHU_SECRET, ts)) and json_ok
                record("feishu", good)
                if good:
                    self._answer(200, {"code": 0, "msg": "success", "data": {}})
                else:
                    self._answer(
                        200,
                        {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time", "data": {}},
                    )
                return
            record("unknown", False)
            self._answer(404, {"error": "no such hook"})

    return Handler


@contextmanager
def robot_server() -> Iterator[RobotServer]:
    state = RobotServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ SMTP (aiosmtpd)


@dataclass
class Mailbox:
    port: int
    user: str
    password: str
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)  # (from, to, raw)

    def parsed(self) -> list[EmailMessage]:
        out = []
        for _sender, _rcpts, raw in self.messages:
            msg = message_from_bytes(raw, policy=policy.default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out


@contextmanager
def smtp_server(user: str = "kb@yunqiao.example", password: str = "p@ss:w/rd", auth: bool = True) -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Mailbox(free_port(), user, password)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    options: dict[str, Any] = (
        {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True} if auth else {}
    )
    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, **options)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
