"""Message bodies of ``kb remind``, per platform — pure: reminders in, JSON bodies and mails out.

What each platform receives, and the limits respected here (where they come from):

- WeCom group robot (企业微信群机器人): ``{"msgtype": "markdown", "markdown": {"content"}}``;
  content at most 4096 bytes of UTF-8 (WeCom 群机器人配置说明, work.weixin.qq.com/api/doc/90000/90136/91770;
  errcode 40058 when longer). Its markdown cannot @ by mobile (only ``<@userid>``), but a
  ``text`` message can (``mentioned_mobile_list``, same page): the people named follow in one
  short text message.
- DingTalk custom robot (钉钉自定义机器人): ``{"msgtype": "markdown", "markdown": {"title", "text"},
  "at": {"atMobiles", "isAtAll"}}``; a mobile in ``atMobiles`` is @-mentioned when the text also
  holds ``@<mobile>`` (open.dingtalk.com, 自定义机器人发送群消息 / 消息类型). The custom-robot pages
  state no size limit; we keep WeCom's 4096 bytes (DingTalk's app-robot API caps a message at
  15,000 bytes) and send a digest, as DingTalk asks for many items (20 messages a minute).
- Feishu custom bot (飞书自定义机器人): ``{"msg_type": "post", "content": {"post": {"zh_cn": …}}}``
  rich text; the request body at most 20 KB (飞书 自定义机器人使用指南, open.feishu.cn … /ucTM5YjL3ETO24yNxkjN).
  A custom bot can @ only by open_id/user_id, which the KB does not hold: people are named.
- E-mail: one mail per person with only their items, plain text and HTML.

Long digests are split into numbered parts under each limit. The robots' markdown has no
escape syntax, so text from the records is neutralised (brackets and angle brackets become
their full-width forms, line breaks spaces): it can never become a link, a tag or a mention.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..finding import Lang, Msg, Severity
from ..model import KB
from ..remind import Reminder, Responsible, link, recipients

WECOM_MARKDOWN_BYTES = 4096
DINGTALK_MARKDOWN_BYTES = 4096
FEISHU_BODY_BYTES = 20 * 1024
SIGNATURE_ROOM = 200  # Feishu's timestamp and sign are added to the body when it is sent
TEXT_CHARS = 500  # one reminder's text is cut here, so a single item always fits a message
WECOM_TEXT_BYTES = 2048  # WeCom text messages (the @-mention follow-up): same page as above

SEVERITY = {
    Severity.ERROR: Msg("错误", "error"),
    Severity.WARNING: Msg("警告", "warning"),
    Severity.INFO: Msg("提示", "note"),
}
WEEKDAYS = (
    Msg("周一", "Mon"),
    Msg("周二", "Tue"),
    Msg("周三", "Wed"),
    Msg("周四", "Thu"),
    Msg("周五", "Fri"),
    Msg("周六", "Sat"),
    Msg("周日", "Sun"),
)
TITLE = Msg("专属工程师知识库 · 期限提醒", "Dedicated-engineer KB · deadline reminders")

Body = dict[str, Any]


@dataclass(frozen=True)
class Mail:
    """One e-mail: to one person, with only their items."""

    to_name: str
    to_addr: str
    subject: str
    text: str
    html: str


_INERT = str.maketrans("[]<>`", "［］＜＞｀")


def _t(lang: Lang, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def day_label(d: dt.date, lang: Lang) -> str:
    """“2026-12-08（周二）” / “2026-12-08 (Tue)”."""
    wd = WEEKDAYS[d.weekday()](lang)
    return f"{d.isoformat()}（{wd}）" if lang == "zh" else f"{d.isoformat()} ({wd})"


def clean(value: str, limit: int = TEXT_CHARS) -> str:
    """Record text made inert for the robots' markdown, on one line, at most ``limit`` characters."""
    s = " ".join(value.split())
    s = s.translate(_INERT)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _people(r: Reminder, lang: Lang, mention: bool) -> str:
    shown = []
    for p in r.deadline.people:
        label = f"{clean(p.name, 50)}（{p.role(lang)}）" if lang == "zh" else f"{clean(p.name, 50)} ({p.role(lang)})"
        shown.append(label + (f" @{p.mobile}" if mention and p.mobile else ""))
    return ("、" if lang == "zh" else ", ").join(shown) or "—"


def _basis(r: Reminder) -> str:
    d = r.deadline
    rule = f"{d.rule}（{d.section}）" if d.section else d.rule
    return f"{rule} · {d.file}:{d.line}"


def _headline(i: int, r: Reminder, lang: Lang) -> str:
    d = r.deadline
    sev = SEVERITY[d.severity](lang)
    return f"{i}. 【{sev}】{clean(d.subject(lang), 80)} · {r.when()(lang)}"


def _summary(reminders: Sequence[Reminder], day: dt.date, lang: Lang) -> str:
    n = {k: sum(r.kind == k for r in reminders) for k in ("overdue", "today", "upcoming")}
    return _t(
        lang,
        f"{day_label(day, lang)} 共 {len(reminders)} 项：逾期 {n['overdue']} · 今天到期 {n['today']} · 即将到期 {n['upcoming']}",
        f"{day_label(day, lang)}: {len(reminders)} item(s): {n['overdue']} overdue · {n['today']} due today · {n['upcoming']} upcoming",
    )


def _markdown_item(i: int, r: Reminder, site_url: str | None, lang: Lang, mention: bool) -> str:
    d = r.deadline
    url = link(site_url, d.page)
    lines = [
        f"#### {_headline(i, r, lang)}",
        f"> {clean(d.message(lang))}",
        "",
        f"- {_t(lang, '期限', 'Due')}：{day_label(d.due, lang)}",
        f"- {_t(lang, '依据', 'Rule')}：{_basis(r)}",
        f"- {_t(lang, '负责人', 'Responsible')}：{_people(r, lang, mention)}",
    ]
    if url:
        lines.append(f"- [{_t(lang, '查看页面', 'Open the page')}]({url})")
    return "\n".join(lines) + "\n"


def _pack(blocks: Sequence[str], fits: Callable[[list[str]], bool]) -> list[list[str]]:
    """Blocks in order, as few consecutive groups as fit (a single block always makes a group)."""
    groups: list[list[str]] = []
    current: list[str] = []
    for b in blocks:
        if current and not fits([*current, b]):
            groups.append(current)
            current = []
        current.append(b)
    if current:
        groups.append(current)
    return groups


def _part(title: str, i: int, n: int, lang: Lang) -> str:
    return title if n == 1 else title + _t(lang, f"（{i}/{n}）", f" ({i}/{n})")


def _markdown_parts(
    reminders: Sequence[Reminder], day: dt.date, site_url: str | None, lang: Lang, mention: bool, limit: int
) -> list[tuple[str, str]]:
    """(title, markdown) per part; each markdown at most ``limit`` bytes."""
    blocks = [_markdown_item(i, r, site_url, lang, mention) for i, r in enumerate(reminders, 1)]
    summary = _summary(reminders, day, lang)

    def text(title: str, group: Sequence[str]) -> str:
        return f"### {title}\n{summary}\n\n" + "\n".join(group)

    longest = TITLE(lang) + _t(lang, "（99/99）", " (99/99)")
    groups = _pack(blocks, lambda g: len(text(longest, g).encode("utf-8")) <= limit)
    titles = [_part(TITLE(lang), i, len(groups), lang) for i in range(1, len(groups) + 1)]
    return [(t, text(t, g)) for t, g in zip(titles, groups, strict=True)]


def _mobiles(reminders: Sequence[Reminder]) -> list[str]:
    return list(dict.fromkeys(p.mobile for r in reminders for p in r.deadline.people if p.mobile))


def wecom_bodies(reminders: Sequence[Reminder], day: dt.date, site_url: str | None, lang: Lang = "zh") -> list[Body]:
    """Markdown parts, then one text message that @-mentions the people named, by mobile."""
    if not reminders:
        return []
    bodies: list[Body] = [
        {"msgtype": "markdown", "markdown": {"content": md}}
        for _title, md in _markdown_parts(reminders, day, site_url, lang, False, WECOM_MARKDOWN_BYTES)
    ]
    mobiles = _mobiles(reminders)
    if mobiles:
        names = "、".join(dict.fromkeys(clean(p.name, 50) for r in reminders for p in r.deadline.people if p.mobile))
        content = _t(lang, f"请 {names} 查看上面的期限提醒。", f"{names}: please see the deadline reminders above.")
        bodies.append(
            {
                "msgtype": "text",
                "text": {"content": clean(content, WECOM_TEXT_BYTES // 3), "mentioned_mobile_list": mobiles},
            }
        )
    return bodies


def dingtalk_bodies(reminders: Sequence[Reminder], day: dt.date, site_url: str | None, lang: Lang = "zh") -> list[Body]:
    """Markdown parts; each @-mentions (``at.atMobiles`` plus ``@mobile`` in its text) the people of its items."""
    if not reminders:
        return []
    out: list[Body] = []
    parts = _markdown_parts(reminders, day, site_url, lang, True, DINGTALK_MARKDOWN_BYTES)
    for title, md in parts:
        mobiles = list(dict.fromkeys(m for m in _mobiles(reminders) if f"@{m}" in md))
        out.append(
            {
                "msgtype": "markdown",
                "markdown": {"title": title, "text": md},
                "at": {"atMobiles": mobiles, "isAtAll": False},
            }
        )
    return out


def _feishu_item(i: int, r: Reminder, site_url: str | None, lang: Lang) -> list[list[dict[str, str]]]:
    d = r.deadline
    rows: list[list[dict[str, str]]] = [
        [{"tag": "text", "text": _headline(i, r, lang)}],
        [{"tag": "text", "text": clean(d.message(lang))}],
        [{"tag": "text", "text": f"{_t(lang, '期限', 'Due')}：{day_label(d.due, lang)}"}],
        [{"tag": "text", "text": f"{_t(lang, '依据', 'Rule')}：{_basis(r)}"}],
        [{"tag": "text", "text": f"{_t(lang, '负责人', 'Responsible')}：{_people(r, lang, False)}"}],
    ]
    url = link(site_url, d.page)
    if url:
        rows.append([{"tag": "a", "text": _t(lang, "查看页面", "Open the page"), "href": url}])
    rows.append([{"tag": "text", "text": ""}])
    return rows


def feishu_bodies(reminders: Sequence[Reminder], day: dt.date, site_url: str | None, lang: Lang = "zh") -> list[Body]:
    """Rich-text (post) parts, each body under 20 KB with room for the signature."""
    if not reminders:
        return []
    locale = "en_us" if lang == "en" else "zh_cn"
    summary = [[{"tag": "text", "text": _summary(reminders, day, lang)}], [{"tag": "text", "text": ""}]]
    items = [json.dumps(_feishu_item(i, r, site_url, lang), ensure_ascii=False) for i, r in enumerate(reminders, 1)]

    def body(title: str, group: Sequence[str]) -> Body:
        rows = [*summary, *(row for g in group for row in json.loads(g))]
        return {"msg_type": "post", "content": {"post": {locale: {"title": title, "content": rows}}}}

    def size(b: Body) -> int:
        return len(json.dumps(b, ensure_ascii=False).encode("utf-8"))

    longest = TITLE(lang) + _t(lang, "（99/99）", " (99/99)")
    groups = _pack(items, lambda g: size(body(longest, g)) <= FEISHU_BODY_BYTES - SIGNATURE_ROOM)
    return [body(_part(TITLE(lang), i, len(groups), lang), g) for i, g in enumerate(groups, 1)]


CHAT = {"wecom": wecom_bodies, "dingtalk": dingtalk_bodies, "feishu": feishu_bodies}


# ------------------------------------------------------------------ e-mail


def _mail_text(person: Responsible, items: Sequence[Reminder], day: dt.date, site_url: str | None, lang: Lang) -> str:
    out = [
        _t(lang, f"{person.name}，您好：", f"Dear {person.name},"),
        "",
        _t(
            lang,
            f"截至 {day_label(day, lang)}，以下 {len(items)} 项期限与您有关：",
            f"As of {day_label(day, lang)}, these {len(items)} deadline(s) concern you:",
        ),
        "",
    ]
    for i, r in enumerate(items, 1):
        d = r.deadline
        out += [
            _headline(i, r, lang),
            f"   {_t(lang, '事项', 'What')}：{' '.join(d.message(lang).split())}",
            f"   {_t(lang, '期限', 'Due')}：{day_label(d.due, lang)}",
            f"   {_t(lang, '依据', 'Rule')}：{_basis(r)}",
            f"   {_t(lang, '负责人', 'Responsible')}：{_people(r, lang, False)}",
        ]
        if d.hint(lang):
            out.append(f"   {_t(lang, '怎么办', 'What to do')}：{' '.join(d.hint(lang).split())}")
        url = link(site_url, d.page)
        if url:
            out.append(f"   {_t(lang, '页面', 'Page')}：{url}")
        out.append("")
    out.append(
        _t(
            lang,
            "—— 本邮件由 kb remind 根据知识库自动生成；修改档案并提交后，提醒随之更新。",
            "-- Sent by kb remind from the knowledge base; fix the records and commit, and the reminders follow.",
        )
    )
    return "\n".join(out) + "\n"


def _mail_html(person: Responsible, items: Sequence[Reminder], day: dt.date, site_url: str | None, lang: Lang) -> str:
    e = html.escape
    rows = []
    for i, r in enumerate(items, 1):
        d = r.deadline
        url = link(site_url, d.page)
        page = f'<br><a href="{e(url)}">{e(_t(lang, "查看页面", "Open the page"))}</a>' if url else ""
        hint = f"<br>{e(_t(lang, '怎么办', 'What to do'))}：{e(d.hint(lang))}" if d.hint(lang) else ""
        rows.append(
            f"<li><strong>{e(_headline(i, r, lang).split('. ', 1)[1])}</strong><br>"
            f"{e(d.message(lang))}<br>"
            f"{e(_t(lang, '期限', 'Due'))}：{e(day_label(d.due, lang))}<br>"
            f"{e(_t(lang, '依据', 'Rule'))}：<code>{e(_basis(r))}</code><br>"
            f"{e(_t(lang, '负责人', 'Responsible'))}：{e(_people(r, lang, False))}{hint}{page}</li>"
        )
    greeting = _t(lang, f"{person.name}，您好：", f"Dear {person.name},")
    intro = _t(
        lang,
        f"截至 {day_label(day, lang)}，以下 {len(items)} 项期限与您有关：",
        f"As of {day_label(day, lang)}, these {len(items)} deadline(s) concern you:",
    )
    footer = _t(
        lang,
        "本邮件由 kb remind 根据知识库自动生成；修改档案并提交后，提醒随之更新。",
        "Sent by kb remind from the knowledge base; fix the records and commit, and the reminders follow.",
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
        f"<title>{e(TITLE(lang))}</title></head>\n<body>\n<p>{e(greeting)}</p>\n<p>{e(intro)}</p>\n<ol>\n"
        + "\n".join(rows)
        + f"\n</ol>\n<p><small>{e(footer)}</small></p>\n</body></html>\n"
    )


def subject(items: Sequence[Reminder], day: dt.date, lang: Lang = "zh") -> str:
    late = sum(r.kind == "overdue" for r in items)
    return _t(
        lang,
        f"【专属工程师知识库】期限提醒 {day.isoformat()}：{len(items)} 项" + (f"（逾期 {late} 项）" if late else ""),
        f"[Dedicated-engineer KB] Deadline reminders {day.isoformat()}: {len(items)} item(s)"
        + (f" ({late} overdue)" if late else ""),
    )


def mails(kb: KB, reminders: Sequence[Reminder], day: dt.date, site_url: str | None, lang: Lang = "zh") -> list[Mail]:
    """One mail per person named who has an address (only their items), and the ops manager's digest."""
    out = []
    for person, items in recipients(reminders, kb):
        if not items or not person.email:
            continue
        out.append(
            Mail(
                person.name,
                person.email,
                subject(items, day, lang),
                _mail_text(person, items, day, site_url, lang),
                _mail_html(person, items, day, site_url, lang),
            )
        )
    return out
