"""The `format` names our schemas use, their checks, and how to explain a miss.

Each check takes a string and says whether it is well-formed. The schemas name these
formats so that VS Code shows them in completion; the checks here are what `kb check`
actually applies (draft-07 leaves unknown formats to the implementation).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from .finding import Msg

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\Z")
_DOMAIN = re.compile(
    r"(?=.{1,253}\Z)(\*\.)?([A-Za-z0-9]([A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9\-]{0,61}[A-Za-z0-9]\Z"
)
_MOBILE = re.compile(r"(\+86[ \-]?)?1[3-9][0-9]{9}\Z")
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}(-[0-9]{1,6})?\Z")
_SERVICE_NUMBER = re.compile(r"[48]00-?[0-9]{3}-?[0-9]{4}\Z")
_SLUG = re.compile(r"[a-z0-9][a-z0-9\-]*\Z")
_PERIOD = re.compile(r"[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?\Z")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]\Z")


def is_date(s: str) -> bool:
    if not _DATE.match(s):
        return False
    try:
        dt.date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _ip(version: int | None) -> Callable[[str], bool]:
    def check(s: str) -> bool:
        try:
            addr = ipaddress.ip_address(s)
        except ValueError:
            return False
        return version is None or addr.version == version

    return check


def is_cidr(s: str) -> bool:
    if "/" not in s:
        return False
    try:
        ipaddress.ip_network(s, strict=False)
    except ValueError:
        return False
    return True


def is_slug(s: str) -> bool:
    return bool(_SLUG.match(s))


def is_mobile(s: str) -> bool:
    return bool(_MOBILE.match(s))


def is_phone(s: str) -> bool:
    return bool(_MOBILE.match(s) or _LANDLINE.match(s) or _SERVICE_NUMBER.match(s))


@dataclass(frozen=True)
class Format:
    check: Callable[[str], bool]
    what: Msg  # what a good value is, for "… is not a valid …"
    example: str


FORMATS: dict[str, Format] = {
    "date": Format(
        is_date, Msg("日期（YYYY-MM-DD，且是真实存在的日期）", "a date (YYYY-MM-DD, a real calendar day)"), "2026-03-02"
    ),
    "email": Format(lambda s: bool(_EMAIL.match(s)), Msg("电子邮件地址", "an e-mail address"), "wangmin@example.com"),
    "ipv4": Format(_ip(4), Msg("IPv4 地址", "an IPv4 address"), "10.20.1.10"),
    "ipv6": Format(_ip(6), Msg("IPv6 地址", "an IPv6 address"), "2001:db8::10"),
    "ip": Format(_ip(None), Msg("IP 地址（IPv4 或 IPv6）", "an IP address (IPv4 or IPv6)"), "10.20.1.10"),
    "cidr": Format(is_cidr, Msg("网段（CIDR，如 10.20.0.0/16）", "a network in CIDR notation"), "10.20.0.0/16"),
    "domain": Format(lambda s: bool(_DOMAIN.match(s)), Msg("域名", "a domain name"), "wms.hx.example"),
    "mobile-cn": Format(
        is_mobile, Msg("中国大陆手机号（11 位，1 开头）", "a mainland China mobile number (11 digits)"), "13800000000"
    ),
    "phone-cn": Format(
        is_phone,
        Msg(
            "中国大陆电话号码（手机号、带区号的座机或 400/800 号码）",
            "a mainland China phone number (mobile, landline with area code, or 400/800)",
        ),
        "021-62345678",
    ),
    "slug": Format(
        lambda s: bool(_SLUG.match(s)),
        Msg(
            "标识（小写字母、数字和连字符，以字母或数字开头）",
            "an id (lowercase letters, digits and hyphens, starting with a letter or digit)",
        ),
        "hx-logistics",
    ),
    "period": Format(
        lambda s: bool(_PERIOD.match(s)),
        Msg("考核周期（2026、2026-Q3 或 2026-07）", "a period (2026, 2026-Q3 or 2026-07)"),
        "2026-Q3",
    ),
    "time": Format(lambda s: bool(_TIME.match(s)), Msg("时间（HH:MM，24 小时制）", "a time (HH:MM, 24-hour)"), "09:00"),
}


def checkers() -> dict[str, Callable[[str], bool]]:
    return {name: f.check for name, f in FORMATS.items()}
