"""Calendar feeds (RFC 5545) of the deadlines: ``calendar/all.ics`` and one per engineer — pure.

One all-day event per deadline (the one list :func:`generator.remind.deadlines` gives kb remind),
with its client or engineer, rule, policy section, the people responsible and a link to its page.
Each event's UID comes from the deadline's identity (rule, file, date — not its line or wording),
so a subscribed calendar (Outlook, 钉钉日历, 飞书日历) updates the event instead of adding another;
DTSTAMP is the build's day, so two builds of the same KB on the same day give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from ..clock import CHINA
from ..finding import Lang
from ..model import KB
from ..remind import Deadline, link
from .reminders import SEVERITY

PRODID = "-//kb-dedicated-engineer//kb build//ZH"
ALL = "all.ics"


def _host(site_url: str | None) -> str:
    return (urlsplit(site_url).hostname if site_url else None) or "kb-dedicated-engineer.invalid"


def _event(d: Deadline, site_url: str | None, stamp: dt.datetime, lang: Lang) -> Event:
    sev = SEVERITY[d.severity](lang)
    subject = d.subject(lang)
    rule = f"{d.rule}（{d.section}）" if d.section else d.rule
    people = "、".join(f"{p.name}（{p.role(lang)}）" for p in d.people) or "—"
    url = link(site_url, d.page)
    lines = [
        " ".join(d.message(lang).split()),
        f"依据：{rule}，{d.file}:{d.line}" if lang == "zh" else f"Rule: {rule}, {d.file}:{d.line}",
        f"负责人：{people}" if lang == "zh" else f"Responsible: {people}",
    ]
    if d.hint(lang):
        lines.append(("怎么办：" if lang == "zh" else "What to do: ") + " ".join(d.hint(lang).split()))
    if url:
        lines.append(("页面：" if lang == "zh" else "Page: ") + url)
    e = Event()
    e.add("uid", f"{d.uid}@{_host(site_url)}")
    e.add("dtstamp", stamp)
    e.add("dtstart", d.due)
    e.add("dtend", d.due + dt.timedelta(days=1))
    e.add("summary", f"【{sev}】{subject}：{_short(d.message(lang))}")
    e.add("description", "\n".join(lines))
    e.add("categories", [d.rule, d.severity.value])
    e.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    if url:
        e.add("url", url)
    return e


def _short(text: str, limit: int = 60) -> str:
    s = " ".join(text.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def feed(items: Sequence[Deadline], name: str, site_url: str | None, today: dt.date, lang: Lang = "zh") -> bytes:
    """One calendar of ``items``; ``name`` is the calendar's display name."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    # RFC 7986 REFRESH-INTERVAL and its older form: subscribers re-read the feed twice a day
    cal.add("refresh-interval", dt.timedelta(hours=12), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT12H")
    stamp = dt.datetime.combine(today, dt.time(0, 0), tzinfo=CHINA).astimezone(dt.UTC)
    for d in sorted(items, key=lambda d: (d.due, d.uid)):
        cal.add_component(_event(d, site_url, stamp, lang))
    return bytes(cal.to_ical())


def engineer_items(items: Sequence[Deadline], eid: str) -> list[Deadline]:
    """An engineer's deadlines: their own file's and those of the clients they serve."""
    key = f"engineer:{eid}"
    return [d for d in items if d.engineer == eid or any(p.key == key for p in d.people)]


def feeds(kb: KB, items: Sequence[Deadline], today: dt.date, lang: Lang = "zh") -> dict[str, bytes]:
    """``{file name: bytes}``: ``all.ics`` and ``<engineer id>.ics`` for every engineer (an empty
    feed too: a subscription made today fills in when something falls due)."""
    site_url = kb.policy.site_url if kb.policy else None
    title = "专属工程师知识库 · 期限" if lang == "zh" else "Dedicated-engineer KB · deadlines"
    out = {ALL: feed(items, title, site_url, today, lang)}
    for eid in sorted(kb.engineers):
        name = kb.engineer_name(eid)
        out[f"{eid}.ics"] = feed(engineer_items(items, eid), f"{title} · {name}", site_url, today, lang)
    return out
