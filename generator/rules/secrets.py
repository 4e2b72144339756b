"""The `secret` rule: no credentials or personal ID numbers in the repository.

Generic scanners miss what network dossiers hold (Chinese key names, SNMP communities,
PSKs, webhook tokens), so we scan every KB file and every text attachment line by line,
comments included. A value that refers to a vault (``vault:…``) or is masked is fine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
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
    r"(?P<v>\"[^\"]*\"|'[^']*'|\$\{[^}]*\}|[^\s,}\]#]+)"
)
# Device configuration (FortiOS, Cisco, Huawei/H3C): "set password ENC …", "enable secret 5 …",
# "username admin password 0 …", "crypto isakmp key … address", "snmp-server community public RO",
# "local-user admin password cipher …", "snmp-agent community read cipher …".
_CONFIG = re.compile(
    r"(?i)(?:\bset\s+(?:password|passwd|psksecret|secret)|\benable\s+(?:password|secret)(?:\s+level\s+\d+)?"
    r"|\busername\s+\S+(?:\s+privilege\s+\d+)?\s+(?:password|secret)|\bcrypto\s+isakmp\s+key"
    r"|\bsnmp-server\s+community|\bsnmp-agent\s+community\s+(?:read|write)|\bpassword\s+(?:cipher|simple|irreversible-cipher)"
    r"|\bpre-shared-key|\bkey-string)(?:\s+(?:\d|cipher|simple|ascii))?\s+(?P<v>\S+)"
)
# 密码/口令/密钥 followed by a value that looks like one (printable ASCII, ≥ 4 characters), so
# "密码是否过期", "密码为空时" and "密钥为客户自行保管" are prose, not credentials.
_CJK = re.compile(r"(密码|口令|密钥)\s*(?:[:：=]|是|为|\s)\s*(?P<v>[!-~]{4,})")
_PEM = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_CLOUD = re.compile(
    r"(?<![A-Za-z0-9])(?P<v>(?:AKIA|ASIA)[0-9A-Z]{16}|LTAI[0-9A-Za-z]{12,24}|AKID[0-9A-Za-z]{32}"
    r"|gh[pousr]_[A-Za-z0-9]{36}|AIza[0-9A-Za-z_\-]{35}|xox[abpr]-[0-9A-Za-z\-]{10,})(?![A-Za-z0-9])"
)
_HASH = re.compile(r"(?P<v>\$(?:1|5|6|8|9|2[aby]|y)\$(?:rounds=[0-9]+\$)?[./A-Za-z0-9]{1,22}\$[./A-Za-z0-9]{16,})")
_URL_TOKEN = re.compile(r"(?i)https?://\S*?[?&](?P<k>access_token|token|key|secret|sign)=(?P<v>[^&\s\"']+)")
_URL_PATH_TOKEN = re.compile(r"(?i)https?://\S*?/(?:hook|webhook|bot/v2/hook)/(?P<v>[A-Za-z0-9\-]{20,})")
_URL_USERINFO = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:(?P<v>[^@\s/]+)@")
_BEARER = re.compile(r"(?i)\bbearer\s+(?P<v>[A-Za-z0-9\-._~+/]{16,}=*)")
_ID_CARD = re.compile(
    r"(?<![0-9])(?P<v>[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx])(?![0-9])"
)
_MASKED = re.compile(
    r"(?i)^(?:vault:.+|\*+|x{3,}|<[^>]*>|\$\{[^}]*\}?|redacted|已脱敏|null|none|~|true|false|yes|no|)$"
)
# Cheap first look: a line that has none of these cannot match any detector (most lines).
_TRIGGER = re.compile(
    r"(?i)pass|pwd|secret|communit|psk|token|key|BEGIN|AKIA|ASIA|LTAI|AKID|gh[pousr]_|AIza|xox|\$[0-9y]\$|://|bearer"
    r"|密码|口令|密钥|[0-9]{17}"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_card_ok(number: str) -> bool:
    """GB 11643 check digit."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _masked(value: str) -> bool:
    return bool(_MASKED.match(value.strip().strip("\"'").strip()))


def scan_line(line: str, config_style: bool) -> Iterator[tuple[int, str, str]]:
    """(column, zh, en) for each secret-looking thing on one line; a stretch of text matched by
    one detector is not reported again by another. The secret itself is never echoed."""
    if not _TRIGGER.search(line):
        return
    taken: list[tuple[int, int]] = []

    def fresh(m: re.Match[str]) -> bool:
        span = m.span()
        if any(span[0] < end and start < span[1] for start, end in taken):
            return False
        taken.append(span)
        return True

    detectors: list[tuple[re.Pattern[str], str, str, bool]] = [
        (_PEM, "含有私钥（PEM）", "a private key (PEM block)", False),
        (_CLOUD, "含有云平台或代码托管的访问密钥", "a cloud or forge access key", False),
        (
            _HASH,
            "含有口令哈希（$1$/$5$/$6$/$9$ 等，可被离线破解）",
            "a password hash ($1$/$5$/$6$/$9$…, crackable offline)",
            False,
        ),
        (_URL_USERINFO, "URL 中带有用户名和密码", "a URL carries a user name and password", True),
        (_URL_PATH_TOKEN, "URL 路径中带有 Webhook 令牌", "a URL path carries a webhook token", True),
        (_BEARER, "含有 Bearer 访问令牌", "a bearer access token", False),
    ]
    if config_style:
        detectors.append(
            (
                _CONFIG,
                "设备配置中含有密码、PSK 或 SNMP 团体名",
                "device configuration holds a password, PSK or SNMP community",
                True,
            )
        )
    for pattern, zh, en, maskable in detectors:
        for m in pattern.finditer(line):
            if maskable and _masked(m.group("v")):
                continue
            if fresh(m):
                yield m.start() + 1, zh, en
    for m in _URL_TOKEN.finditer(line):
        if not _masked(m.group("v")) and fresh(m):
            k = m.group("k")
            yield (
                m.start("k") + 1,
                f"URL 中带有 {k}= 令牌参数（如 Webhook 令牌）",
                f"a URL carries a {k}= token (e.g. a webhook token)",
            )
    for m in _KEY_VALUE.finditer(line):
        if not _masked(m.group("v")) and fresh(m):
            yield (
                m.start("key") + 1,
                f"键“{m.group('key')}”带有明文凭据（值已隐去）",
                f"key '{m.group('key')}' holds a plain credential (value hidden)",
            )
    for m in _CJK.finditer(line):
        if not _masked(m.group("v")) and fresh(m):
            yield (
                m.start() + 1,
                f"“{m.group(1)}”后面是明文（值已隐去）",
                f"'{m.group(1)}' is followed by plain text (value hidden)",
            )
    for m in _ID_CARD.finditer(line):
        if _id_card_ok(m.group("v")) and fresh(m):
            yield m.start() + 1, "含有居民身份证号（个人敏感信息）", "a mainland ID-card number (personal data)"


@rule("secret", "—")
def check_secrets(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """No passwords, keys, PSKs, SNMP communities, tokens, password hashes or ID-card numbers
    in any KB file or text attachment (Chinese key names too: 密码, 口令, 密钥)."""
    for rel, text in kb.texts.items():
        config_style = not rel.endswith(".yml") or "/files/" in rel
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
