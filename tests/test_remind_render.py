"""kb remind's message bodies (generator/render/reminders.py): golden files per platform for the
reminders of tests/remind_kb.py on TODAY, the platforms' size limits, and nothing from a record
that the robots' markdown would read as a link or a tag."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from generator import remind
from generator.finding import NO_HINT, Msg, Severity
from generator.pipeline import check
from generator.render import reminders as bodies

from .conftest import TODAY
from .remind_kb import remind_kb

GOLDEN = Path(__file__).parent / "golden" / "remind"
SECTIONS = {"eng.certs": "§4.1", "eng.leave": "§7.4"}


@pytest.fixture(scope="module")
def due(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, list[remind.Reminder]]:
    kb_dir = remind_kb(tmp_path_factory.mktemp("remind") / "kb")
    outcome = check(kb_dir, TODAY)
    items = remind.deadlines(outcome.kb, outcome.findings, SECTIONS)
    return outcome.kb, remind.due_on(items, TODAY, outcome.kb.work_calendar(), (30, 7, 1, 0))


def _golden(name: str, got: str) -> None:
    path = GOLDEN / name
    if os.environ.get("KB_UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{name} differs from {path} (KB_UPDATE_GOLDEN=1 to accept)"


def test_the_reminders_of_the_day(due: tuple[object, list[remind.Reminder]]) -> None:
    _kb, reminders = due
    got = [(r.deadline.rule, r.deadline.file, r.deadline.due.isoformat(), r.kind, r.days) for r in reminders]
    assert ("eng.certs", "engineers/zhang-wei.yml", "2026-12-01", "upcoming", 7) in got
    assert ("eng.leave", "engineers/zhang-wei.yml", "2026-12-01", "upcoming", 7) in got
    assert ("eng.certs", "engineers/li-na.yml", "2026-12-24", "upcoming", 30) in got


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_golden_chat_bodies(platform: str, due: tuple[object, list[remind.Reminder]]) -> None:
    _kb, reminders = due
    out = bodies.CHAT[platform](reminders, TODAY, "https://kb.example.com/")
    _golden(f"{platform}.json", json.dumps(out, ensure_ascii=False, indent=2) + "\n")


def test_golden_mails(due: tuple[object, list[remind.Reminder]]) -> None:
    kb, reminders = due
    mails = bodies.mails(kb, reminders, TODAY, "https://kb.example.com/")  # type: ignore[arg-type]
    # one per person with an address, only their items; the ops manager's digest last
    assert [(m.to_name, m.to_addr) for m in mails] == [
        ("张伟", "zhangwei@example.com"),
        ("李娜", "lina@example.com"),
        ("陈静", "chenjing@example.com"),
    ]
    assert "2026-12-01" in mails[0].text and "Fortinet NSE 4" in mails[0].text and "PMP" not in mails[0].text
    assert "Nova" not in mails[0].text and "Nova" in mails[1].text and "Fortinet" not in mails[1].text
    text = "".join(f"To: {m.to_name} <{m.to_addr}>\nSubject: {m.subject}\n\n{m.text}\n" for m in mails)
    _golden("mail.txt", text)
    _golden("mail.html", mails[0].html)


def test_mentions(due: tuple[object, list[remind.Reminder]]) -> None:
    _kb, reminders = due
    (ding,) = bodies.dingtalk_bodies(reminders, TODAY, None)
    # DingTalk: the mobile in at.atMobiles and "@mobile" in the text (both are needed for a mention)
    assert set(ding["at"]["atMobiles"]) == {"13700000001", "13900000002"}
    assert all(f"@{m}" in ding["markdown"]["text"] for m in ding["at"]["atMobiles"])
    *_md, text = bodies.wecom_bodies(reminders, TODAY, None)
    # WeCom markdown cannot mention by mobile: a text message after it does
    assert text["msgtype"] == "text" and set(text["text"]["mentioned_mobile_list"]) == {"13700000001", "13900000002"}
    assert "查看页面" not in json.dumps(ding, ensure_ascii=False)  # no site_url, no link


def _many(n: int, text: str) -> list[remind.Reminder]:
    out = []
    for i in range(n):
        d = remind.Deadline(
            TODAY + dt.timedelta(days=7), Severity.ERROR, "client.kb-30d", "§7.2.5", f"clients/c{i}/client.yml", 12, 3,
            Msg(text, text), NO_HINT, Msg(f"客户{i}", f"client {i}"), f"generated/clients/c{i}.html",
            (remind.Responsible(f"engineer:e{i}", f"工程师{i}", remind.ROLE_ENGINEER, None, f"139{i:08d}"),), f"u{i}",
        )
        out.append(remind.Reminder(d, TODAY, "upcoming", 7))
    return out


def test_long_digests_are_split_under_each_limit() -> None:
    items = _many(60, "《客户运维知识库》须在期限前完成，当前完善度 50%。" * 6)
    limits = {"wecom": bodies.WECOM_MARKDOWN_BYTES, "dingtalk": bodies.DINGTALK_MARKDOWN_BYTES}
    for platform, limit in limits.items():
        out = bodies.CHAT[platform](items, TODAY, "https://kb.example.com/")
        md = [b["markdown"].get("content") or b["markdown"]["text"] for b in out if b["msgtype"] == "markdown"]
        assert len(md) > 1
        assert all(len(m.encode("utf-8")) <= limit for m in md), platform
        assert all(f"（{i}/{len(md)}）" in m for i, m in enumerate(md, 1))
        shown = "".join(md)
        assert all(f"客户{i} ·" in shown for i in range(60)), platform  # every item is in one part
    feishu = bodies.feishu_bodies(items, TODAY, "https://kb.example.com/")
    assert len(feishu) > 1
    assert all(len(json.dumps(b, ensure_ascii=False).encode("utf-8")) <= bodies.FEISHU_BODY_BYTES - 200 for b in feishu)
    # DingTalk: each part mentions only the people of its own items
    for b in bodies.dingtalk_bodies(items, TODAY, None):
        assert all(f"@{m}" in b["markdown"]["text"] for m in b["at"]["atMobiles"])
        assert len(b["at"]["atMobiles"]) < 60


def test_one_huge_item_is_cut_to_fit() -> None:
    (item,) = _many(1, "很长的说明" * 5000)
    (md,) = bodies.wecom_bodies([item], TODAY, None)[:1]
    assert len(md["markdown"]["content"].encode("utf-8")) <= bodies.WECOM_MARKDOWN_BYTES
    assert "…" in md["markdown"]["content"]


def test_record_text_cannot_become_markup() -> None:
    (item,) = _many(1, "见 [这里](javascript:alert(1)) 与 <font color=\"warning\">红字</font>\n# 标题")
    (md, _mention) = bodies.wecom_bodies([item], TODAY, None)
    content = md["markdown"]["content"]
    assert "](javascript" not in content and "<font" not in content and "\n# 标题" not in content
    assert "［这里］(javascript:alert(1))" in content and "＜font" in content


def test_english_bodies() -> None:
    (item,) = _many(1, "text")
    (ding,) = bodies.dingtalk_bodies([item], TODAY, None, "en")
    assert ding["markdown"]["title"] == "Dedicated-engineer KB · deadline reminders"
    assert "7 day(s) left" in ding["markdown"]["text"] and "Due" in ding["markdown"]["text"]
    (feishu,) = bodies.feishu_bodies([item], TODAY, None, "en")
    assert list(feishu["content"]["post"]) == ["en_us"]
