"""The three group robots: signing, sending, and reading each answer's error code.

All three answer HTTP 200 with an error code in the body when they refuse a message, so every
answer is read (FIELD-NOTES "Chat robots and mail"; each platform's page below).

- WeCom group robot: the key is in the webhook URL; ``{"errcode": 0, "errmsg": "ok"}`` on
  success; 45009 is WeCom's "api freq out of limit" (global error codes, developer.work.weixin.qq.com
  document/path/90313), the robot allows 20 messages a minute (群机器人配置说明).
- DingTalk custom robot, 加签 (open.dingtalk.com 自定义机器人安全设置): ``timestamp`` in milliseconds
  and ``sign`` = base64(HMAC-SHA256(key = secret, msg = "{timestamp}\\n{secret}")), URL-encoded,
  appended to the webhook's query; ``{"errcode": 0, "errmsg": "ok"}`` on success, 310000 for a
  bad signature (or keyword / IP setting), 130101 "send too fast" (20 a minute, then 10 minutes'
  pause).
- Feishu custom bot, 签名校验 (飞书 自定义机器人使用指南): ``timestamp`` in seconds and ``sign`` =
  base64(HMAC-SHA256(key = "{timestamp}\\n{secret}", msg = empty)), both in the JSON body; the
  timestamp must be within an hour of Feishu's clock. ``{"code": 0, "msg": "success"}`` on
  success (older answers: ``StatusCode``); 19021 bad signature, 19022 IP, 19024 keyword,
  9499 bad request, 11232 rate limit (100 a minute, 5 a second), HTTP 429 with code 99991400
  and ``x-ogw-ratelimit-reset`` (频控策略).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..finding import Msg
from . import Delivery, SendFailed
from .http import Answer, host, post_json

WECOM_RATE_LIMITED = {45009}
DINGTALK_RATE_LIMITED = {130101}
FEISHU_RATE_LIMITED = {11232, 99991400}
PER_MINUTE = {"wecom": 20, "dingtalk": 20, "feishu": 100}

Body = Mapping[str, Any]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret")) (not yet URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's 签名校验: base64(HMAC-SHA256(key = "timestamp\\nsecret", message = empty))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _code(answer: Answer, *keys: str) -> tuple[int | None, str]:
    data = answer.data if isinstance(answer.data, dict) else {}
    for key in keys:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            msg = data.get("errmsg", data.get("msg", data.get("StatusMessage", "")))
            return value, str(msg)
    return None, ""


class Pace:
    """At most ``per_minute`` messages in any 60 seconds (the robots' documented limits)."""

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.per_minute, self.clock, self.sleep = per_minute, clock, sleep
        self.sent: deque[float] = deque()

    def __call__(self) -> None:
        now = self.clock()
        while self.sent and now - self.sent[0] >= 60:
            self.sent.popleft()
        if len(self.sent) >= self.per_minute:
            self.sleep(60 - (now - self.sent[0]))
            self.sent.popleft()
        self.sent.append(self.clock())


def _judge(platform: Msg, answer: Answer, keys: tuple[str, ...], url: str, hints: Mapping[int, Msg]) -> None:
    code, message = _code(answer, *keys)
    if answer.status == 200 and code == 0:
        return
    if answer.status != 200:
        detail = " ".join(answer.text.split())[:200]
        raise SendFailed(
            Msg(
                f"{platform.zh}（{host(url)}）返回 HTTP {answer.status}" + (f"：{detail}" if detail else ""),
                f"{platform.en} ({host(url)}) answered HTTP {answer.status}" + (f": {detail}" if detail else ""),
            )
        )
    if code is None:
        raise SendFailed(
            Msg(
                f"{platform.zh}（{host(url)}）的应答里没有错误码：{answer.text[:200]}",
                f"{platform.en} ({host(url)}) answered without an error code: {answer.text[:200]}",
            )
        )
    hint = hints.get(code)
    raise SendFailed(
        Msg(
            f"{platform.zh}返回错误码 {code}：{message}" + (f"（{hint.zh}）" if hint else ""),
            f"{platform.en} answered error code {code}: {message}" + (f" ({hint.en})" if hint else ""),
        )
    )


def _deliver(
    channel: str,
    bodies: Sequence[Body],
    send: Callable[[Body], None],
    per_minute: int,
    sleep: Callable[[float], None],
) -> Delivery:
    pace = Pace(per_minute, sleep=sleep)
    sent = 0
    for body in bodies:
        pace()
        try:
            send(body)
        except SendFailed as exc:
            left = len(bodies) - sent
            return Delivery(
                channel,
                sent,
                Msg(f"{exc.reason.zh}（{left} 条未发出）", f"{exc.reason.en} ({left} message(s) not delivered)"),
            )
        sent += 1
    return Delivery(channel, sent)


WECOM = Msg("企业微信", "WeCom")
DINGTALK = Msg("钉钉", "DingTalk")
FEISHU = Msg("飞书", "Feishu")
RATE = Msg("发送太频繁，已按平台限流重试", "rate-limited, retried as the platform asks")


def send_wecom(channel: str, url: str, bodies: Sequence[Body], sleep: Callable[[float], None] = time.sleep) -> Delivery:
    def one(body: Body) -> None:
        answer = post_json(url, body, lambda a: _code(a, "errcode")[0] in WECOM_RATE_LIMITED, sleep=sleep)
        _judge(WECOM, answer, ("errcode",), url, {45009: RATE, 40058: Msg("消息过长", "message too long")})

    return _deliver(channel, bodies, one, PER_MINUTE["wecom"], sleep)


def send_dingtalk(
    channel: str,
    url: str,
    secret: str | None,
    bodies: Sequence[Body],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,  # the real time: the platform checks the timestamp
) -> Delivery:
    def signed() -> str:
        if not secret:
            return url
        ts = int(clock() * 1000)
        return _with_query(url, timestamp=str(ts), sign=dingtalk_sign(secret, ts))

    def one(body: Body) -> None:
        answer = post_json(signed, body, lambda a: _code(a, "errcode")[0] in DINGTALK_RATE_LIMITED, sleep=sleep)
        _judge(
            DINGTALK,
            answer,
            ("errcode",),
            url,
            {
                310000: Msg(
                    "检查加签密钥、关键词和 IP 白名单设置", "check the signing secret, keywords and IP allow-list"
                ),
                130101: Msg("每分钟最多 20 条，超过后限流 10 分钟", "20 a minute at most, then 10 minutes' pause"),
            },
        )

    return _deliver(channel, bodies, one, PER_MINUTE["dingtalk"], sleep)


def send_feishu(
    channel: str,
    url: str,
    secret: str | None,
    bodies: Sequence[Body],
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> Delivery:
    def one(body: Body) -> None:
        def signed() -> Body:
            if not secret:
                return body
            ts = int(clock())
            return {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}

        answer = post_json(url, signed, lambda a: _code(a, "code", "StatusCode")[0] in FEISHU_RATE_LIMITED, sleep=sleep)
        _judge(
            FEISHU,
            answer,
            ("code", "StatusCode"),
            url,
            {
                19021: Msg(
                    "签名不匹配或时间戳与服务器相差超过 1 小时", "bad signature, or the clock is more than an hour off"
                ),
                19022: Msg("IP 不在白名单中", "IP not allowed"),
                19024: Msg("消息不含机器人设置的关键词", "the message lacks the bot's keyword"),
                9499: Msg("请求格式有误或超过 20 KB", "bad request or over 20 KB"),
                11232: RATE,
            },
        )

    return _deliver(channel, bodies, one, PER_MINUTE["feishu"], sleep)
