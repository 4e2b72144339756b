"""The `secret` rule: no credentials or personal ID numbers in the repository.

Generic scanners miss what network dossiers hold (Chinese key names, SNMP communities,
PSKs, webhook tokens), so we scan every KB file and every text attachment line by line,
comments included. A value that refers to a vault (``vault:…``) or is masked is fine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from ..finding import Finding, Severity
from ..model import KB
from . import rule
from .common import make

_KEYWORDS = (
    r"password|passwd|pwd|passphrase|secret|secret[_-]?key|client[_-]?secret|community|snmp[_-]?community"
    r"|psk|psksecret|pre[_-]?shared[_-]?key|token|access[_-]?token|api[_-]?key|access[_-]?key|private[_-]?key"
)
# "key: value" or "key = value" (YAML, INI, JSON); the key may be quoted.
_KEY_VALUE = re.compile(
    rf"(?i)(?<![A-Za-z0-9_\-])[\"']?(?P<key>[A-Za-z0-9_\-]*?(?:{_KEYWORDS}))[\"']?\s*[:=]\s*"
    r"(?P<v>\"[^\"]*\"|'[^']*'|[^\s,}\]#]+)"
)
# Device configuration: "set password ENC …", "snmp-server community public RO", "set psksecret …".
_CONFIG = re.compile(
    r"(?i)\b(?:set\s+(?:password|passwd|psksecret|secret)|snmp-server\s+community|"
    r"pre-shared-key|key-string)\s+(?P<v>\S+)"
)
_CJK = re.compile(r"(密码|口令|密钥)\s*(?:[:：=]|是|为)\s*(?P<v>[^\s，。；,;]+)")
_PEM = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
_CLOUD = re.compile(
    r"(?<![A-Za-z0-9])(?P<v>(?:AKIA|ASIA)[0-9A-Z]{16}|LTAI[0-9A-Za-z]{12,24}|AKID[0-9A-Za-z]{32}"
    r"|gh[pousr]_[A-Za-z0-9]{36}|AIza[0-9A-Za-z_\-]{35}|xox[abpr]-[0-9A-Za-z\-]{10,})(?![A-Za-z0-9])"
)
_HASH = re.compile(r"(?P<v>\$(?:1|5|6|2[aby]|y)\$[./A-Za-z0-9]{1,22}\$[./A-Za-z0-9]{16,})")
_URL_TOKEN = re.compile(r"(?i)https?://\S*?[?&](?P<k>access_token|token|key|secret|sign)=(?P<v>[^&\s\"']+)")
_ID_CARD = re.compile(
    r"(?<![0-9])(?P<v>[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx])(?![0-9])"
)
_MASKED = re.compile(r"(?i)^(?:vault:.+|\*+|x{3,}|<[^>]*>|\$\{[^}]*\}|redacted|已脱敏|null|none|~|)$")
_TEXT_ATTACHMENTS = (".log", ".txt", ".cfg", ".conf", ".ini", ".md", ".csv", ".json", ".xml", ".yml", ".yaml", ".sh")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_card_ok(number: str) -> bool:
    """GB 11643 check digit."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _masked(value: str) -> bool:
    return bool(_MASKED.match(value.strip().strip("\"'").strip()))


def _shown(value: str) -> str:
    v = value.strip("\"'")
    return v[:2] + "…" if len(v) > 2 else "…"


def scan_line(line: str, config_style: bool) -> Iterator[tuple[int, str, str]]:
    """(column, zh, en) for each secret-looking thing on one line."""
    for m in _KEY_VALUE.finditer(line):
        if not _masked(m.group("v")):
            yield (
                m.start("key") + 1,
                f"键“{m.group('key')}”带有明文凭据（{_shown(m.group('v'))}）",
                f"key '{m.group('key')}' holds a plain credential ({_shown(m.group('v'))})",
            )
    for m in _CJK.finditer(line):
        if not _masked(m.group("v")):
            yield (
                m.start() + 1,
                f"“{m.group(1)}”后面是明文（{_shown(m.group('v'))}）",
                f"'{m.group(1)}' is followed by plain text ({_shown(m.group('v'))})",
            )
    if config_style:
        for m in _CONFIG.finditer(line):
            if not _masked(m.group("v")):
                yield (
                    m.start() + 1,
                    "设备配置中含有密码、PSK 或 SNMP 团体名",
                    "device configuration holds a password, PSK or SNMP community",
                )
    if _PEM.search(line):
        yield line.index("-----BEGIN") + 1, "含有私钥（PEM）", "a private key (PEM block)"
    for m in _CLOUD.finditer(line):
        yield m.start() + 1, f"含有云平台或代码托管的访问密钥（{_shown(m.group('v'))}）", "a cloud or forge access key"
    for m in _HASH.finditer(line):
        yield (
            m.start() + 1,
            "含有口令哈希（$1$/$5$/$6$ 等，可被离线破解）",
            "a password hash ($1$/$5$/$6$…, crackable offline)",
        )
    for m in _URL_TOKEN.finditer(line):
        if not _masked(m.group("v")):
            yield (
                m.start("k") + 1,
                f"URL 中带有 {m.group('k')}=（如 Webhook 令牌）",
                f"a URL carries {m.group('k')}= (a webhook token)",
            )
    for m in _ID_CARD.finditer(line):
        if _id_card_ok(m.group("v")):
            yield m.start() + 1, "含有居民身份证号（个人敏感信息）", "a mainland ID-card number (personal data)"


@rule("secret", "—")
def check_secrets(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """No passwords, keys, PSKs, SNMP communities, tokens, password hashes or ID-card numbers
    in any KB file or text attachment (Chinese key names too: 密码, 口令, 密钥)."""
    for rel, text in kb.texts.items():
        config_style = PurePosixPath(rel).suffix.lower() in _TEXT_ATTACHMENTS and "/files/" in rel
        for n, line in enumerate(text.splitlines(), 1):
            for col, zh, en in scan_line(line, config_style):
                personal = "身份证" in zh
                yield make(
                    Severity.ERROR,
                    (rel, n, col),
                    "secret",
                    f"{zh}。",
                    f"{en.capitalize()}.",
                    "删除或改为脱敏写法；个人信息不入库。"
                    if personal
                    else "把凭据存入密码库，这里只写引用，如 vault:network/客户/设备；已提交过的凭据须立即更换（git 历史里仍然找得到）。",
                    "Remove it or mask it; personal data does not belong here."
                    if personal
                    else "Keep credentials in the vault and write only a reference such as vault:network/client/device; "
                    "rotate any credential that was ever committed (git history keeps it).",
                )
