"""E-mail over SMTP: one message per recipient, plain text and HTML, Chinese headers encoded.

The channel's URL (from the environment) is ``smtp://`` (plain, port 25), ``smtp+starttls://``
(STARTTLS, port 587) or ``smtps://`` (TLS from the start, port 465), with the user and password
in it, percent-encoded: ``smtps://kb%40yunqiao.example:secret@smtp.yunqiao.example:465``.
Non-ASCII display names and subjects are RFC 2047 encoded words (``=?utf-8?b?…?=``); bodies are
UTF-8 in base64.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from typing import cast
from urllib.parse import unquote, urlsplit

from .. import clock
from ..finding import Msg
from ..render.reminders import Mail
from . import Delivery, SendFailed

TIMEOUT = 20.0
PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SENDER_NAME = "专属工程师知识库"


@dataclass(frozen=True)
class Server:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None


def parse_url(url: str) -> Server:
    """The SMTP server of an ``smtp://`` / ``smtp+starttls://`` / ``smtps://`` URL; raises
    SendFailed (naming the scheme, never the password) for anything else."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in PORTS or not parts.hostname:
        raise SendFailed(
            Msg(
                f"SMTP 地址应为 smtp://、smtp+starttls:// 或 smtps://主机[:端口]（现为 {scheme or '无协议'}://…）",
                f"the SMTP URL must be smtp://, smtp+starttls:// or smtps://host[:port] (got {scheme or 'no scheme'}://…)",
            )
        )
    try:
        port = parts.port or PORTS[scheme]
    except ValueError as exc:
        raise SendFailed(Msg("SMTP 地址的端口无效", "the SMTP URL has an invalid port")) from exc
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return Server(scheme, parts.hostname, port, user, password)


def message(mail: Mail, sender: str) -> bytes:
    """The MIME message as sent: multipart/alternative, text first, HTML second, CRLF line ends.

    Headers go through :class:`email.header.Header` (the compat32 path): the newer
    ``email.policy.SMTP`` folder splits a long Chinese subject at its spaces into adjacent
    encoded words, and readers drop the whitespace between encoded words (RFC 2047 §6.2) —
    "期限提醒 2026-11-24" would arrive as "期限提醒2026-11-24". Header folds inside the words."""
    msg = MIMEMultipart("alternative")
    domain = sender.rpartition("@")[2] or "localhost"
    msg["From"] = formataddr((SENDER_NAME, sender), charset="utf-8")
    msg["To"] = formataddr((mail.to_name, mail.to_addr), charset="utf-8")
    msg["Subject"] = cast(str, Header(mail.subject, "utf-8"))  # a Header object: the compat32 path takes it
    msg["Date"] = format_datetime(clock.wall_now())
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office robots do not answer it
    msg.attach(MIMEText(mail.text, "plain", "utf-8"))
    msg.attach(MIMEText(mail.html, "html", "utf-8"))
    return msg.as_bytes(policy=policy.compat32.clone(linesep="\r\n"))


def _connect(server: Server) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if server.scheme == "smtps":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=context)
    else:
        conn = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    conn.ehlo()
    if server.scheme == "smtp+starttls":
        conn.starttls(context=context)
        conn.ehlo()
    # log in when the URL has a user and the server offers AUTH; a relay that offers none (an
    # intranet relay trusting its network) is used as it is, and refuses at MAIL FROM if it must
    if server.user and conn.has_extn("auth"):
        conn.login(server.user, server.password or "")
    return conn


def _reason(exc: BaseException, server: Server) -> Msg:
    where = f"{server.host}:{server.port}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return Msg(f"SMTP 登录失败（{where}，{exc.smtp_code}）", f"SMTP login refused ({where}, {exc.smtp_code})")
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, raw = next(iter(exc.recipients.values()))
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return Msg(
            f"SMTP 服务器 {where} 拒收：{code} {text}", f"SMTP server {where} refused the recipient: {code} {text}"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return Msg(
            f"SMTP 服务器 {where} 拒绝：{exc.smtp_code} {text}", f"SMTP server {where} refused: {exc.smtp_code} {text}"
        )
    if isinstance(exc, socket.gaierror):
        return Msg(f"无法解析 SMTP 主机名 {server.host}（DNS）", f"cannot resolve the SMTP host {server.host} (DNS)")
    if isinstance(exc, TimeoutError):
        return Msg(f"连接 SMTP 服务器 {where} 超时", f"timed out at the SMTP server {where}")
    if isinstance(exc, ssl.SSLError):
        return Msg(f"与 SMTP 服务器 {where} 的 TLS 失败：{exc}", f"TLS with the SMTP server {where} failed: {exc}")
    if isinstance(exc, OSError):
        return Msg(
            f"无法连接 SMTP 服务器 {where}：{exc.strerror or exc}",
            f"cannot connect to the SMTP server {where}: {exc.strerror or exc}",
        )
    return Msg(f"SMTP 错误（{where}）：{exc}", f"SMTP error ({where}): {exc}")


def send_mails(channel: str, url: str, sender: str | None, mails: Sequence[Mail]) -> Delivery:
    """Every mail over one connection; a recipient the server refuses does not stop the others."""
    if not mails:
        return Delivery(channel, 0)
    if not sender:
        return Delivery(channel, 0, Msg("email 渠道缺少发件人（from）", "the email channel names no sender (from)"))
    try:
        server = parse_url(url)
    except SendFailed as exc:
        return Delivery(channel, 0, exc.reason)
    try:
        conn = _connect(server)
    except (smtplib.SMTPException, OSError) as exc:
        return Delivery(channel, 0, _reason(exc, server))
    sent, refused = 0, []
    try:
        for mail in mails:
            try:
                conn.sendmail(sender, [mail.to_addr], message(mail, sender))
                sent += 1
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                refused.append((mail.to_addr, _reason(exc, server)))
    except (smtplib.SMTPException, OSError) as exc:
        return Delivery(channel, sent, _reason(exc, server))
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
    if refused:
        return Delivery(
            channel,
            sent,
            Msg(
                "；".join(f"{addr}：{why.zh}" for addr, why in refused),
                "; ".join(f"{addr}: {why.en}" for addr, why in refused),
            ),
        )
    return Delivery(channel, sent)
