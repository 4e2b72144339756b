"""``kb remind``: the deadlines due today, to WeCom, DingTalk, Feishu and e-mail.

Without ``--send`` it is a dry run: it prints every message exactly as it would go out, per
channel, and sends nothing. With ``--send`` it delivers — only on Chinese working days, so a
daily scheduled job can run it every day. What is due comes from :mod:`generator.remind`
(pure), the bodies from :mod:`generator.render.reminders` (pure), delivery from
:mod:`generator.notify` (the network). Webhook URLs, secrets and SMTP URLs are read here, from
the environment variables ``policy.yml notify.channels`` names. Failure is loud and partial:
each failing channel is named with its reason, the others still deliver, and the exit code is 1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import click

from .. import remind
from ..finding import Lang, Msg
from ..model import KB
from ..notify import Delivery
from ..policy import Channel
from ..render import reminders as bodies
from ..workdays import CalendarGap
from .common import (
    EXIT_FINDINGS,
    EnvProblem,
    FindingsProblem,
    cache_note,
    kb_root_of,
    lang_option,
    root_option,
    run_pipeline,
    say,
    today_of,
    today_option,
)

KIND_NAMES = {
    "wecom": Msg("企业微信", "WeCom"),
    "dingtalk": Msg("钉钉", "DingTalk"),
    "feishu": Msg("飞书", "Feishu"),
    "email": Msg("邮件", "e-mail"),
}

Planned = tuple[Channel, list[dict[str, Any]] | list[bodies.Mail]]


def rule_sections() -> dict[str, str]:
    """Each rule id's policy section, from the rule registry."""
    from ..rules import all_rules

    return {r.id: r.section for r in all_rules()}


def _channels(kb: KB, only: str | None, lang: Lang) -> list[Channel]:
    channels = list(kb.policy.notify.channels) if kb.policy else []
    ids = [c.id for c in channels]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise EnvProblem(
            say(
                lang,
                f"policy.yml 的 notify.channels 中渠道 ID 重复：{', '.join(twice)}。",
                f"policy.yml notify.channels repeats the channel id(s) {', '.join(twice)}.",
            )
        )
    if only is None:
        return channels
    chosen = [c for c in channels if c.id == only]
    if not chosen:
        known = ", ".join(ids) or say(lang, "（没有配置渠道）", "(none configured)")
        raise EnvProblem(
            say(
                lang, f"没有渠道“{only}”；policy.yml 中的渠道：{known}", f"No channel '{only}'; policy.yml has: {known}"
            )
        )
    return chosen


def _plan(kb: KB, channel: Channel, due: Sequence[remind.Reminder], day: dt.date, lang: Lang) -> Planned:
    site_url = kb.policy.site_url if kb.policy else None
    if channel.kind == "email":
        return channel, bodies.mails(kb, due, day, site_url, lang)
    return channel, bodies.CHAT[channel.kind](due, day, site_url, lang)


def _label(c: Channel, lang: Lang) -> str:
    return say(lang, f"{c.id}（{KIND_NAMES[c.kind].zh}）", f"{c.id} ({KIND_NAMES[c.kind].en})")


def _missing_env(c: Channel, environ: Mapping[str, str]) -> list[str]:
    names = [c.url_env, c.secret_env] if c.kind in ("dingtalk", "feishu") else [c.url_env]
    return [n for n in names if n and not environ.get(n, "").strip()]


def _summary_line(i: int, r: remind.Reminder, lang: Lang) -> str:
    d = r.deadline
    sev = bodies.SEVERITY[d.severity](lang)
    rule = f"{d.rule}，{d.section}" if d.section else d.rule
    return (
        f"  {i}. 【{sev}】{d.subject(lang)} · {r.when()(lang)}（{d.due}）：{' '.join(d.message(lang).split())}"
        f"（{rule}，{d.file}:{d.line}）"
        if lang == "zh"
        else f"  {i}. [{sev}] {d.subject(lang)} · {r.when()(lang)} ({d.due}): {' '.join(d.message(lang).split())}"
        f" ({rule}, {d.file}:{d.line})"
    )


def _print_plan(planned: Sequence[Planned], environ: Mapping[str, str], lang: Lang) -> None:
    for channel, messages in planned:
        unit = say(lang, "封邮件", "mail(s)") if channel.kind == "email" else say(lang, "条消息", "message(s)")
        click.echo(
            say(
                lang,
                f"\n== 渠道 {_label(channel, lang)}：{len(messages)} {unit} ==",
                f"\n== Channel {_label(channel, lang)}: {len(messages)} {unit} ==",
            )
        )
        missing = _missing_env(channel, environ)
        if missing:
            click.echo(
                say(
                    lang,
                    f"（发送时需要环境变量 {'、'.join(missing)}：当前未设置）",
                    f"(sending needs the environment variable(s) {', '.join(missing)}: not set now)",
                )
            )
        if channel.kind in ("dingtalk", "feishu") and channel.secret_env:
            click.echo(say(lang, "（发送时加上签名：timestamp 与 sign）", "(signed when sent: timestamp and sign)"))
        for n, m in enumerate(messages, 1):
            click.echo(say(lang, f"--- 第 {n} {unit[0]} ---", f"--- {n} ---"))
            if isinstance(m, bodies.Mail):
                click.echo(say(lang, f"收件人：{m.to_name} <{m.to_addr}>", f"To: {m.to_name} <{m.to_addr}>"))
                click.echo(say(lang, f"主题：{m.subject}", f"Subject: {m.subject}"))
                click.echo(say(lang, "（纯文本，另附同样内容的 HTML 版本）\n", "(plain text, with the same in HTML)\n"))
                click.echo(m.text, nl=False)
            else:
                click.echo(json.dumps(m, ensure_ascii=False, indent=2))


def _deliver(planned: Sequence[Planned], environ: Mapping[str, str], lang: Lang) -> list[Delivery]:
    from ..notify import mail, robots

    out = []
    for channel, messages in planned:
        missing = _missing_env(channel, environ)
        if missing:
            out.append(
                Delivery(
                    channel.id,
                    0,
                    Msg(
                        f"环境变量 {'、'.join(missing)} 未设置",
                        f"the environment variable(s) {', '.join(missing)} not set",
                    ),
                )
            )
            continue
        if not messages:
            out.append(Delivery(channel.id, 0))
            continue
        url = environ[channel.url_env or ""].strip()
        secret = environ.get(channel.secret_env or "", "").strip() or None
        if channel.kind == "email":
            out.append(
                mail.send_mails(channel.id, url, channel.sender, [m for m in messages if isinstance(m, bodies.Mail)])
            )
            continue
        chat = [m for m in messages if isinstance(m, dict)]
        if channel.kind == "wecom":
            out.append(robots.send_wecom(channel.id, url, chat))
        elif channel.kind == "dingtalk":
            out.append(robots.send_dingtalk(channel.id, url, secret, chat))
        else:
            out.append(robots.send_feishu(channel.id, url, secret, chat))
    return out


@click.command("remind")
@click.option("--send", is_flag=True, help="真正发送（默认只演练：打印将要发送的消息，不发送）")
@click.option(
    "--channel", "only", metavar="ID", default=None, help="只用这一个渠道（policy.yml notify.channels 的 id）"
)
@lang_option
@root_option
@today_option
def remind_cmd(send: bool, only: str | None, lang: Lang, root: str | None, today: str | None) -> None:
    """把今天到期、即将到期和逾期的事项提醒到企业微信、钉钉、飞书群和邮箱。

    默认只演练：按渠道打印将要发送的每条消息，不发送；加 --send 才发送。只在中国法定工作日
    （含调休上班日）发送；期限落在节假日时提前到之前的最后一个工作日。某个渠道失败时其他渠道照常发送，
    退出码为 1。
    """
    kb_root = kb_root_of(root, lang)
    day = today_of(today, lang)
    outcome = run_pipeline(kb_root, day, lang)
    kb = outcome.kb
    if kb.policy is None:
        raise EnvProblem(
            say(
                lang,
                "没有可读的 policy.yml：不知道提醒渠道和提前天数。",
                "No readable policy.yml: no channels, no lead days.",
            )
        )
    channels = _channels(kb, only, lang)
    cal = kb.work_calendar()
    items = remind.deadlines(kb, outcome.findings, rule_sections())
    try:
        working = remind.is_working_day(day, cal)
        due = remind.due_on(items, day, cal, kb.policy.notify.lead_days) if working else []
    except CalendarGap as gap:
        raise FindingsProblem(
            say(
                lang,
                f"{gap.year} 年的法定节假日与调休安排没有任何来源收录，无法判断 {day} 是否工作日：未发送提醒。"
                f"国务院公布 {gap.year} 年的放假安排后，用 kb calendar import 导入为 calendar/{gap.year}.yml 并提交。",
                f"No source covers the {gap.year} holidays and make-up working days, so whether {day} is a working day "
                f"is unknown: nothing sent. Import the State Council's {gap.year} notice with kb calendar import "
                f"(calendar/{gap.year}.yml) and commit it.",
            )
        ) from gap
    weekday = bodies.day_label(day, lang)
    if not working:
        click.echo(
            say(
                lang,
                f"kb remind：{weekday} 不是工作日，不发送提醒。",
                f"kb remind: {weekday} is not a working day; nothing to send.",
            )
        )
        cache_note(lang, outcome.history)
        return
    mode = (
        say(lang, "已发送", "sending")
        if send
        else say(lang, "演练：只打印，不发送；加 --send 发送", "dry run: printed, not sent; add --send to send")
    )
    click.echo(
        say(
            lang,
            f"kb remind：{weekday} 有 {len(due)} 项提醒（{mode}）。",
            f"kb remind: {weekday}: {len(due)} reminder(s) ({mode}).",
        )
    )
    for i, r in enumerate(due, 1):
        click.echo(_summary_line(i, r, lang))
    if not due:
        cache_note(lang, outcome.history)
        return
    if not channels:
        click.echo(
            say(
                lang,
                "\npolicy.yml 没有配置提醒渠道（notify.channels），没有可发送的地方。",
                "\npolicy.yml configures no reminder channels (notify.channels): nowhere to send.",
            )
        )
        if send:
            raise EnvProblem(
                say(
                    lang,
                    "没有提醒渠道：在 policy.yml 的 notify.channels 中添加。",
                    "No channels: add them to policy.yml notify.channels.",
                )
            )
        return
    planned = [_plan(kb, c, due, day, lang) for c in channels]
    environ = dict(os.environ)
    if not send:
        _print_plan(planned, environ, lang)
        click.echo(say(lang, "\n（演练：什么也没有发送。）", "\n(dry run: nothing was sent.)"))
        cache_note(lang, outcome.history)
        return
    results = _deliver(planned, environ, lang)
    failed = [d for d in results if not d.ok]
    labels = {c.id: _label(c, lang) for c, _ in planned}
    for d in results:
        if d.ok:
            click.echo(say(lang, f"✓ {labels[d.channel]}：已发送 {d.sent} 条", f"✓ {labels[d.channel]}: {d.sent} sent"))
    for d in failed:
        assert d.failure is not None
        click.echo(
            say(
                lang,
                f"✗ {labels[d.channel]}：发送失败（已发送 {d.sent} 条）：{d.failure.zh}",
                f"✗ {labels[d.channel]}: failed ({d.sent} sent): {d.failure.en}",
            ),
            err=True,
        )
    cache_note(lang, outcome.history)
    if failed:
        click.echo(
            say(
                lang,
                f"kb：{len(failed)} 个渠道发送失败：{'、'.join(d.channel for d in failed)}；其他渠道已发送。",
                f"kb: {len(failed)} channel(s) failed: {', '.join(d.channel for d in failed)}; the others were sent.",
            ),
            err=True,
        )
        raise SystemExit(EXIT_FINDINGS)
