"""JSON over HTTP POST with the robots' retry rules: back off on HTTP 429 and 5xx and on the
platform's own rate-limit codes (the caller says which), honouring ``Retry-After`` (and
Feishu's ``x-ogw-ratelimit-reset``); give up with a reason on anything else. Failures never
name the URL (its query or path is the credential), only its host."""

from __future__ import annotations

import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..finding import Msg
from . import SendFailed

TIMEOUT = 10.0  # seconds per request: a scheduled job must not hang on a dead endpoint
ATTEMPTS = 3
BACKOFF = 0.5  # seconds before the 2nd attempt, doubled each time, when the server names no wait
MAX_WAIT = 60.0  # the longest wait we honour: the robots' windows are per minute


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    data: Any  # the JSON body, or None when it is not JSON
    text: str


def host(url: str) -> str:
    return urlsplit(url).hostname or "?"


def _wait(answer: Answer, attempt: int) -> float:
    for name in ("Retry-After", "x-ogw-ratelimit-reset"):
        value: str | None = answer.headers.get(name) or answer.headers.get(name.lower())
        if value is not None:
            try:
                return min(max(float(value), 0.0), MAX_WAIT)
            except ValueError:
                pass
    return min(BACKOFF * 2.0 ** (attempt - 1), MAX_WAIT)


def _once(url: str, body: bytes, timeout: float) -> Answer:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status, headers = response.status, dict(response.headers.items())
    except urllib.error.HTTPError as exc:  # 4xx/5xx: the body may still say why
        raw = exc.read() if exc.fp is not None else b""
        status, headers = exc.code, dict(exc.headers.items()) if exc.headers else {}
    except TimeoutError as exc:
        raise SendFailed(
            Msg(f"连接 {host(url)} 超时（{timeout:g} 秒）", f"timed out after {timeout:g} s at {host(url)}")
        ) from exc
    except urllib.error.URLError as exc:  # DNS, refused, TLS …
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise SendFailed(
                Msg(f"连接 {host(url)} 超时（{timeout:g} 秒）", f"timed out after {timeout:g} s at {host(url)}")
            ) from exc
        what = reason.strerror if isinstance(reason, OSError) and reason.strerror else str(reason)
        if isinstance(reason, socket.gaierror):
            raise SendFailed(
                Msg(f"无法解析主机名 {host(url)}（DNS：{what}）", f"cannot resolve {host(url)} (DNS: {what})")
            ) from exc
        if isinstance(reason, ssl.SSLError):
            raise SendFailed(
                Msg(f"与 {host(url)} 的 TLS 握手失败：{what}", f"TLS with {host(url)} failed: {what}")
            ) from exc
        raise SendFailed(Msg(f"无法连接 {host(url)}：{what}", f"cannot connect to {host(url)}: {what}")) from exc
    except OSError as exc:
        raise SendFailed(
            Msg(f"无法连接 {host(url)}：{exc.strerror or exc}", f"cannot connect to {host(url)}: {exc.strerror or exc}")
        ) from exc
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    return Answer(status, headers, data, text)


def post_json(
    url: str | Callable[[], str],
    body: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
    rate_limited: Callable[[Answer], bool],
    *,
    timeout: float = TIMEOUT,
    attempts: int = ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> Answer:
    """POST ``body`` as UTF-8 JSON to ``url``, retrying 429, 5xx and answers ``rate_limited``
    recognises. ``url`` and ``body`` may be functions, called per attempt (signatures carry the
    time). Returns the last answer; the caller judges a 200's error code. Raises SendFailed
    when the endpoint cannot be reached or every attempt was refused."""
    answer: Answer | None = None
    target = ""
    for attempt in range(1, attempts + 1):
        target = url() if callable(url) else url
        payload = body() if callable(body) else body
        answer = _once(target, json.dumps(payload, ensure_ascii=False).encode("utf-8"), timeout)
        retry = answer.status == 429 or answer.status >= 500 or (answer.status == 200 and rate_limited(answer))
        if not retry:
            return answer
        if attempt < attempts:
            sleep(_wait(answer, attempt))
    assert answer is not None
    if answer.status == 200:  # still rate-limited: the caller names the platform's code
        return answer
    detail = " ".join(answer.text.split())[:200]
    raise SendFailed(
        Msg(
            f"{host(target)} 返回 HTTP {answer.status}（共尝试 {attempts} 次）" + (f"：{detail}" if detail else ""),
            f"{host(target)} answered HTTP {answer.status} ({attempts} attempts)" + (f": {detail}" if detail else ""),
        )
    )
