"""The `secret` rule: no credentials or personal ID numbers in the repository.

Generic scanners miss what network dossiers hold (Chinese key names, SNMP communities,
PSKs, TACACS/RADIUS keys, webhook tokens), so we scan every KB file and every attachment
whatever its name (:mod:`generator.textfiles` decides text by content) line by line, comments
included, with the device-configuration lines of the vendors the department runs. A value that
refers to a vault (``vault:…``) or is masked is fine, and so is prose about credentials.
What the findings flag is withheld from every output (:mod:`generator.redact`).

False positives, measured with ``python tools/secret_scan_rate.py clients engineers policy.yml
../shared/policy/dedicated-engineer-policy-v4.md``: 0 findings in 1,713 lines (the example KB's
every file and free-text value, and the policy text); README, DESIGN, FIELD-NOTES and the test
fixtures add 0 in 1,858 more. tests/test_secrets_published.py keeps 35 sentences of prose about
credentials at 0 and 47 vendor configuration lines found.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..finding import Finding, Severity
from ..model import KB
from . import rule
from .common import make

RULE = "secret"

_KEYWORDS = (
    r"password|passwd|pwd|passphrase|secret|secret[_-]?key|client[_-]?secret|community|snmp[_-]?community"
    r"|psk|psksecret|pre[_-]?shared[_-]?key|token|access[_-]?token|api[_-]?key|access[_-]?key|private[_-]?key"
)
# "key: value" or "key = value" (YAML, INI, JSON); the key may be quoted, the colon full-width.
_KEY_VALUE = re.compile(
    rf"(?i)(?<![A-Za-z0-9_\-])[\"']?(?P<key>[A-Za-z0-9_\-]*?(?:{_KEYWORDS}))[\"']?\s*[:=：]\s*"
    r"(?P<v>\"[^\"]*\"|'[^']*'|\$\{[^}]*\}|[^\s,}\]#]+)"
)
# A credential as device configurations write it: printable ASCII without spaces (or quoted).
_V = r"(?P<v>\"[^\"\s]+\"|'[^'\s]+'|[!-~]+)"
_TYPE = r"(?:[0-9]\s+)?"  # Cisco/Ruijie's encryption type before the value: 0 plain, 5/8/9 hash, 7 reversible
_CIPHER = r"(?:(?:cipher|simple|plain|irreversible-cipher|hash|ascii-text|ascii|hexadecimal|hex|encrypted|ENC)\s+)?"
# Device configuration lines that carry a credential, vendor by vendor (Cisco IOS/ASA, Huawei VRP,
# H3C Comware, Ruijie RGOS, FortiOS, Juniper Junos). Each names the value it carries, so the
# line is found in a YAML text block, a pasted running-config or a log; a value that is a word
# of prose ("pre-shared-key mismatch") or Chinese ("两端 pre-shared-key 不一致") is not a credential.
_CONFIG_LINES = (
    r"\bcrypto\s+isakmp\s+key\s+" + _TYPE,  # Cisco/Ruijie: crypto isakmp key 0 K address 1.1.1.1
    # Huawei/H3C/Juniper/ASA/Ruijie: [ipsec|ikev1] pre-shared-key [address A [M] key] [cipher|ascii-text] K
    r"\bpre-shared-key\s+(?:(?:local|remote)\s+|(?:address|hostname)\s+\S+(?:\s+\d[\d.]*)?\s+key\s+)?"
    + _TYPE
    + _CIPHER,
    # FortiOS: set password ENC …, set psksecret ENC …, set secret/key (RADIUS, TACACS+)
    r"\bset\s+(?:password|passwd|psksecret|secret|passphrase|key|psk|auth-pwd|auth-password|priv-pwd|priv-password)\s+"
    + _CIPHER,
    r"\bsnmp-server\s+community\s+" + _TYPE,  # Cisco/Ruijie
    r"\bsnmp-agent\s+community\s+(?:read|write)\s+" + _CIPHER,  # Huawei/H3C
    r"\bset\s+(?:snmp\s+)?community\s+",  # Juniper: set snmp community …
    r"\b(?:tacacs-server|radius-server)\b[^\n#]*?\s(?:key|secret)\s+" + _TYPE + _CIPHER,  # Cisco, Juniper
    r"\b(?:hwtacacs-server|hwtacacs|radius-server)\b[^\n#]*?\sshared-key\s+" + _CIPHER,  # Huawei
    r"\bkey\s+(?:authentication|authorization|accounting)\s+" + _CIPHER,  # H3C radius/hwtacacs scheme
    r"^\s*key\s+[067]\s+",  # Cisco "tacacs server X" block: key 7 …
    r"\benable\s+(?:password|secret)\s+(?:level\s+\d+\s+)?" + _TYPE,
    r"\bsuper\s+password\s+(?:level\s+\d+\s+)?" + _CIPHER,  # Huawei
    r"\blocal-user\s+\S+\s+password\s+" + _CIPHER,  # Huawei: local-user admin password irreversible-cipher …
    r"\bpassword\s+(?:cipher|simple|irreversible-cipher|hash)\s+",  # H3C/Huawei: password cipher …
    r"\busername\s+\S+(?:\s+privilege\s+\d+)?\s+(?:password|secret)\s+" + _TYPE,  # Cisco/Ruijie
    r"\b(?:neighbor|peer)\s+\S+\s+password\s+" + _TYPE + _CIPHER,  # BGP
    r"\b(?:ip\s+ospf\s+)?authentication-key\s+" + _TYPE + _CIPHER,  # OSPF, Juniper
    r"\bmessage-digest-key\s+\d+\s+md5\s+" + _TYPE,
    r"\bauthentication-mode\s+(?:md5|hmac-sha256|hmac-md5|simple|keychain)\s+(?:\d+\s+)?" + _CIPHER,
    r"\bkey-string\s+" + _TYPE,  # key chains
    r"\b(?:encrypted-password|plain-text-password-value)\s+",  # Juniper
    r"\bwpa-psk\s+(?:ascii|hex)\s+" + _TYPE,
)
_CONFIG = re.compile(r"(?im)(?:" + "|".join(_CONFIG_LINES) + r")" + _V)
# Words that follow those keywords in prose and logs, not credentials.
_PROSE = frozenset(
    re.findall(
        r"\S+",
        """string strings is are was were be been mismatch mismatched not missing wrong error errors failed
        failure fails invalid changed change configured config configuration set for of on in and or the a an to
        with must should will can cannot required length policy format type command commands value values expired
        update updated rotation reset check checked verify match matched unmatched different same correct
        incorrect none null empty used use using needed needs local remote address hostname level key keys
        cipher simple plain irreversible-cipher hash ascii-text ascii hexadecimal hex encrypted enc""",
    )
)
# 密码/口令/密钥 (and SNMP's 团体名/团体字) followed by a value that looks like one (printable ASCII,
# ≥ 4 characters), so "密码是否过期", "密码为空时" and "密钥为客户自行保管" are prose, not credentials.
_CJK = re.compile(r"(密码|口令|密钥|团体名|团体字)\s*(?:[:：=]|是|为|\s)\s*(?P<v>[!-~]{4,})")
# Values after 密码/密钥 that name a rule or an algorithm, not a secret ("密码为 8-16 位", "密钥为 AES-256").
_CJK_PROSE = re.compile(
    r"(?i)^(?:\d+(?:[-~]\d+)?[,.;:]?|(?:aes|rsa|sha|sm[234]|des|3des|md5|ecc|hmac|dh)[-0-9a-z]*[,.;:]?)$"
)
_PEM = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_PUTTY = re.compile(r"^PuTTY-User-Key-File-\d+:")
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
_WORDISH = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
# Cheap first look: a line that has none of these cannot match any detector (most lines).
_TRIGGER = re.compile(
    r"(?i)pass|pwd|secret|communit|psk|token|key|cipher|BEGIN|AKIA|ASIA|LTAI|AKID|gh[pousr]_|AIza|xox|\$[0-9y]\$|://|bearer"
    r"|密码|口令|密钥|团体|[0-9]{17}"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_card_ok(number: str) -> bool:
    """GB 11643 check digit."""
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _masked(value: str) -> bool:
    return bool(_MASKED.match(value.strip().strip("\"'").strip()))


def _prose(value: str) -> bool:
    """A word of prose or a log, not a credential: "mismatch", "string" …"""
    return value.strip("\"'.,;:()[]{}").lower() in _PROSE


def scan_line(line: str) -> Iterator[tuple[int, str, str]]:
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
        (_PUTTY, "含有私钥（PuTTY .ppk）", "a private key (PuTTY .ppk)", False),
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
        (
            _CONFIG,
            "设备配置中含有密码、PSK、SNMP 团体名或 TACACS/RADIUS 共享密钥",
            "device configuration holds a password, PSK, SNMP community or TACACS/RADIUS key",
            True,
        ),
    ]
    for pattern, zh, en, maskable in detectors:
        for m in pattern.finditer(line):
            if maskable and (_masked(m.group("v")) or _prose(m.group("v"))):
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
        # a value needs a letter or digit: "`access_token=`" in Markdown prose names the key only
        if not _masked(m.group("v")) and _WORDISH.search(m.group("v")) and fresh(m):
            yield (
                m.start("key") + 1,
                f"键“{m.group('key')}”带有明文凭据（值已隐去）",
                f"key '{m.group('key')}' holds a plain credential (value hidden)",
            )
    for m in _CJK.finditer(line):
        v = m.group("v")
        if not _masked(v) and not _CJK_PROSE.match(v) and fresh(m):
            yield (
                m.start() + 1,
                f"“{m.group(1)}”后面是明文（值已隐去）",
                f"'{m.group(1)}' is followed by plain text (value hidden)",
            )
    for m in _ID_CARD.finditer(line):
        if _id_card_ok(m.group("v")) and fresh(m):
            yield m.start() + 1, "含有居民身份证号（个人敏感信息）", "a mainland ID-card number (personal data)"


def scan_text(rel: str, text: str) -> Iterator[Finding]:
    """The ``secret`` findings of one file's text (a YAML record, an attachment, a dossier
    about to be written by ``kb import``), each at its line and column."""
    for n, line in enumerate(text.splitlines(), 1):
        for col, zh, en in scan_line(line):
            personal = "身份证" in zh
            yield make(
                Severity.ERROR,
                (rel, n, col),
                RULE,
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


def scan(texts: Mapping[str, str]) -> Iterator[Finding]:
    """The ``secret`` findings of every text (``{KB-relative path: text}``)."""
    for rel, text in texts.items():
        yield from _scanned(rel, text)


@functools.lru_cache(maxsize=16384)
def _scanned(rel: str, text: str) -> tuple[Finding, ...]:
    # The scan is most of a check's rule time (the expressions run over every line); the trends
    # judge 24 month-ends where most files are the same text, so each (file, text) is scanned once.
    return tuple(scan_text(rel, text))


@rule(RULE, "—")
def check_secrets(kb: KB, history: Any, today: dt.date) -> Iterator[Finding]:
    """No passwords, keys, PSKs, SNMP communities, TACACS/RADIUS keys, tokens, password hashes
    or ID-card numbers in any KB file or attachment (Chinese key names too: 密码, 口令, 密钥).
    What these findings flag is withheld from every output (:mod:`generator.redact`)."""
    yield from scan(kb.texts)
