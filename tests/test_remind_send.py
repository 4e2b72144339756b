"""kb remind through the real CLI against real servers on 127.0.0.1 (tests/robot_servers.py): the
dry run sends nothing; --send reaches WeCom, DingTalk and Feishu endpoints that verify the
signatures as documented and an aiosmtpd SMTP server; a failing channel is named with its
reason while the others still receive, and the exit code says so."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import TODAY
from .remind_kb import remind_kb
from .robot_servers import (
    DINGTALK_SECRET,
    DINGTALK_TOKEN,
    FEISHU_HOOK,
    FEISHU_SECRET,
    WECOM_KEY,
    Mailbox,
    RobotServer,
    free_port,
    robot_server,
    smtp_server,
)

pytest.importorskip("aiosmtpd")
# the local SMTP server takes AUTH without TLS on purpose (127.0.0.1, test credentials)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

RunKb = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def robots() -> Iterator[RobotServer]:
    with robot_server() as server:
        yield server


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


def _env(robots: RobotServer, mailbox: Mailbox) -> dict[str, str]:
    from urllib.parse import quote

    return {
        "KB_DINGTALK_URL": f"{robots.url}/robot/send?access_token={DINGTALK_TOKEN}",
        "KB_DINGTALK_SECRET": DINGTALK_SECRET,
        "KB_WECOM_URL": f"{robots.url}/cgi-bin/webhook/send?key={WECOM_KEY}",
        "KB_FEISHU_URL": f"{robots.url}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        "KB_FEISHU_SECRET": FEISHU_SECRET,
        "KB_SMTP_URL": f"smtp://{quote(mailbox.user, safe='')}:{quote(mailbox.password, safe='')}@127.0.0.1:{mailbox.port}",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "HTTP_PROXY": "",
        "http_proxy": "",
    }


def _no_secret_in(out: str, env: dict[str, str]) -> None:
    for name in ("KB_DINGTALK_SECRET", "KB_FEISHU_SECRET"):
        assert env[name] not in out
    for token in (DINGTALK_TOKEN, WECOM_KEY, FEISHU_HOOK, "p@ss"):
        assert token not in out


def test_dry_run_prints_the_messages_and_sends_nothing(
    tmp_path: Path, run_kb: RunKb, robots: RobotServer, mailbox: Mailbox
) -> None:
    kb = remind_kb(tmp_path / "kb")
    env = _env(robots, mailbox)
    r = run_kb("remind", "--today", TODAY.isoformat(), cwd=kb, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "演练" in r.stdout and "3 项提醒" in r.stdout
    # the certificate expiring in seven days, with its date, in each channel's message
    assert "Fortinet NSE 4" in r.stdout and "2026-12-01" in r.stdout
    for channel in ("ops-dingtalk（钉钉）", "ops-wecom（企业微信）", "cs-feishu（飞书）", "mail（邮件）"):
        assert f"== 渠道 {channel}" in r.stdout
    assert '"msgtype": "markdown"' in r.stdout and '"msg_type": "post"' in r.stdout
    assert "收件人：张伟 <zhangwei@example.com>" in r.stdout
    assert robots.received == [] and mailbox.messages == []
    _no_secret_in(r.stdout + r.stderr, env)


def test_send_reaches_every_channel_signed(tmp_path: Path, run_kb: RunKb, robots: RobotServer, mailbox: Mailbox) -> None:
    kb = remind_kb(tmp_path / "kb")
    env = _env(robots, mailbox)
    r = run_kb("remind", "--send", "--today", TODAY.isoformat(), cwd=kb, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert all(x.ok for x in robots.received), robots.received  # every signature verified, every key right
    (ding,) = robots.delivered("dingtalk")
    assert ding["msgtype"] == "markdown" and "Fortinet NSE 4" in ding["markdown"]["text"]
    assert "13700000001" in ding["at"]["atMobiles"]
    markdown, mention = robots.delivered("wecom")
    assert markdown["msgtype"] == "markdown" and "2026-12-01" in markdown["markdown"]["content"]
    assert mention["text"]["mentioned_mobile_list"] == ["13700000001", "13900000002"]
    (feishu,) = robots.delivered("feishu")
    assert feishu["msg_type"] == "post" and {"timestamp", "sign"} <= set(feishu)
    assert "✓ ops-dingtalk（钉钉）：已发送 1 条" in r.stdout and "✓ mail（邮件）：已发送 3 条" in r.stdout
    _no_secret_in(r.stdout + r.stderr, env)

    # e-mail: one per recipient, only their items, Chinese subject and names encoded, text + HTML
    assert [rcpts for _f, rcpts, _raw in mailbox.messages] == [
        ["zhangwei@example.com"], ["lina@example.com"], ["chenjing@example.com"]
    ]
    raw = mailbox.messages[0][2].decode("ascii")  # every header and body line is ASCII on the wire
    assert "Subject: =?utf-8?" in raw and "To: =?utf-8?" in raw and "From: =?utf-8?" in raw
    zhang, li, chen = mailbox.parsed()
    assert zhang["Subject"] == "【专属工程师知识库】期限提醒 2026-11-24：2 项"
    assert zhang["To"].addresses[0].display_name == "张伟"
    assert zhang["From"].addresses[0].display_name == "专属工程师知识库"
    assert zhang.get_content_type() == "multipart/alternative"
    text, html = zhang.get_body(("plain",)), zhang.get_body(("html",))
    assert text is not None and html is not None
    assert "2026-12-01" in text.get_content() and "Fortinet NSE 4" in text.get_content()
    assert "Nova" not in text.get_content()  # li-na's certificate is hers only
    assert "<li>" in html.get_content() and "2026-12-01" in html.get_content()
    li_text = li.get_body(("plain",))
    assert li_text is not None and "Nova" in li_text.get_content() and "Fortinet" not in li_text.get_content()
    assert chen["Subject"].endswith("3 项")


def test_a_failing_channel_is_named_and_the_others_still_receive(
    tmp_path: Path, run_kb: RunKb, robots: RobotServer, mailbox: Mailbox
) -> None:
    kb = remind_kb(tmp_path / "kb", "    - {id: broken-wecom, kind: wecom, url_env: KB_BROKEN_URL}\n")
    env = {**_env(robots, mailbox), "KB_BROKEN_URL": f"{robots.url}/status/500?key=x"}
    r = run_kb("remind", "--send", "--today", TODAY.isoformat(), cwd=kb, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "✗ broken-wecom（企业微信）：发送失败" in r.stderr and "HTTP 500" in r.stderr
    assert "1 个渠道发送失败：broken-wecom" in r.stderr
    assert robots.hits["/status/500"] == 3  # retried with back-off, then given up
    assert len(robots.delivered("dingtalk")) == 1 and len(robots.delivered("wecom")) == 2
    assert len(robots.delivered("feishu")) == 1 and len(mailbox.messages) == 3
    assert "Traceback" not in r.stderr
    _no_secret_in(r.stdout + r.stderr, env)


def test_error_codes_timeouts_and_missing_settings_are_named(
    tmp_path: Path, run_kb: RunKb, robots: RobotServer, mailbox: Mailbox
) -> None:
    kb = remind_kb(tmp_path / "kb")
    closed = free_port()
    env = {
        **_env(robots, mailbox),
        "KB_DINGTALK_SECRET": "SECwrong",  # DingTalk answers 310000
        "KB_FEISHU_SECRET": "wrong",  # Feishu answers 19021
        "KB_WECOM_URL": f"http://127.0.0.1:{closed}/cgi-bin/webhook/send?key={WECOM_KEY}",  # nobody listens
        "KB_SMTP_URL": "",  # not set
    }
    r = run_kb("remind", "--send", "--today", TODAY.isoformat(), cwd=kb, env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "钉钉返回错误码 310000：sign not match" in r.stderr
    assert "飞书返回错误码 19021" in r.stderr
    assert "无法连接 127.0.0.1" in r.stderr
    assert "环境变量 KB_SMTP_URL 未设置" in r.stderr
    assert "4 个渠道发送失败" in r.stderr
    assert mailbox.messages == []


def test_rate_limits_are_retried(tmp_path: Path, run_kb: RunKb, robots: RobotServer, mailbox: Mailbox) -> None:
    extra = (
        "    - {id: busy-wecom, kind: wecom, url_env: KB_BUSY_WECOM}\n"
        "    - {id: busy-dingtalk, kind: dingtalk, url_env: KB_BUSY_DING, secret_env: KB_DINGTALK_SECRET}\n"
    )
    kb = remind_kb(tmp_path / "kb", extra)
    env = {
        **_env(robots, mailbox),
        "KB_BUSY_WECOM": f"{robots.url}/status/429-once?key=x",
        "KB_BUSY_DING": f"{robots.url}/dingtalk-busy/robot/send?access_token={DINGTALK_TOKEN}",
    }
    for channel in ("busy-wecom", "busy-dingtalk"):
        r = run_kb("remind", "--send", "--channel", channel, "--today", TODAY.isoformat(), cwd=kb, env=env)
        assert r.returncode == 0, r.stdout + r.stderr
    assert robots.hits["/status/429-once"] == 3  # 429 (Retry-After: 1), then the markdown, then the mention
    assert robots.hits["/dingtalk-busy/robot/send"] == 2  # 130101 "send too fast", then delivered
    assert [x.platform for x in robots.received if x.ok] == ["wecom", "wecom", "dingtalk"]
    assert mailbox.messages == []  # --channel: only that one


def test_channel_choice_days_off_and_calendar_gaps(
    tmp_path: Path, run_kb: RunKb, robots: RobotServer, mailbox: Mailbox
) -> None:
    kb = remind_kb(tmp_path / "kb")
    env = _env(robots, mailbox)
    r = run_kb("remind", "--send", "--channel", "nope", "--today", TODAY.isoformat(), cwd=kb, env=env)
    assert r.returncode == 2 and "没有渠道“nope”" in r.stderr and "ops-dingtalk" in r.stderr
    saturday = run_kb("remind", "--send", "--today", "2026-11-28", cwd=kb, env=env)
    assert saturday.returncode == 0 and "不是工作日" in saturday.stdout
    gap = run_kb("remind", "--send", "--today", "2027-03-01", cwd=kb, env=env)
    assert gap.returncode == 1 and "2027 年的法定节假日与调休安排没有任何来源收录" in gap.stderr
    assert "kb calendar import" in gap.stderr and "Traceback" not in gap.stderr
    assert robots.received == [] and mailbox.messages == []
    only = run_kb("remind", "--send", "--channel", "mail", "--today", TODAY.isoformat(), cwd=kb, env=env)
    assert only.returncode == 0, only.stdout + only.stderr
    assert robots.received == [] and len(mailbox.messages) == 3


def test_english(tmp_path: Path, run_kb: RunKb, robots: RobotServer, mailbox: Mailbox) -> None:
    kb = remind_kb(tmp_path / "kb")
    r = run_kb("remind", "--lang", "en", "--channel", "ops-dingtalk", "--today", TODAY.isoformat(), cwd=kb,
               env=_env(robots, mailbox))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 reminder(s) (dry run" in r.stdout and "== Channel ops-dingtalk (DingTalk): 1 message(s) ==" in r.stdout
    assert "deadline reminders" in r.stdout


def test_smtp_login_is_checked_and_a_relay_without_auth_is_used(tmp_path: Path, run_kb: RunKb, robots: RobotServer) -> None:
    kb = remind_kb(tmp_path / "kb")
    with smtp_server() as box:  # AUTH required: a wrong password is named, nothing is sent
        env = {**_env(robots, box), "KB_SMTP_URL": f"smtp://kb%40yunqiao.example:wrong@127.0.0.1:{box.port}"}
        r = run_kb("remind", "--send", "--channel", "mail", "--today", TODAY.isoformat(), cwd=kb, env=env)
        assert r.returncode == 1 and "SMTP 登录失败" in r.stderr and box.messages == []
        assert "wrong" not in r.stdout + r.stderr
    with smtp_server(auth=False) as relay:  # an intranet relay that offers no AUTH
        for url in (f"smtp://127.0.0.1:{relay.port}", f"smtp://u:p@127.0.0.1:{relay.port}"):
            r = run_kb("remind", "--send", "--channel", "mail", "--today", TODAY.isoformat(), cwd=kb,
                       env={**_env(robots, relay), "KB_SMTP_URL": url})
            assert r.returncode == 0, r.stdout + r.stderr
        assert len(relay.messages) == 6
        bad = run_kb("remind", "--send", "--channel", "mail", "--today", TODAY.isoformat(), cwd=kb,
                     env={**_env(robots, relay), "KB_SMTP_URL": f"imap://127.0.0.1:{relay.port}"})
        assert bad.returncode == 1 and "SMTP 地址应为 smtp://" in bad.stderr
