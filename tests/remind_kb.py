"""The KB kb remind's tests remind from: the base KB (tests/fixtures/base) with a site, four
channels and the ops manager in policy.yml, zhang-wei's Fortinet certificate expiring seven days
after TODAY (2026-11-24 → 2026-12-01, the day his leave starts too) and li-na's Nova certificate
thirty days after it."""

from __future__ import annotations

from pathlib import Path

from .conftest import copy_base, init_repo

NOTIFY = """
site_url: https://kb.example.com/
roles:
  ops_manager: {name: 陈静, handle: chenjing-yq, email: chenjing@example.com}
notify:
  lead_days: [30, 7, 1, 0]
  channels:
    - {id: ops-dingtalk, kind: dingtalk, url_env: KB_DINGTALK_URL, secret_env: KB_DINGTALK_SECRET}
    - {id: ops-wecom, kind: wecom, url_env: KB_WECOM_URL}
    - {id: cs-feishu, kind: feishu, url_env: KB_FEISHU_URL, secret_env: KB_FEISHU_SECRET}
    - {id: mail, kind: email, url_env: KB_SMTP_URL, from: kb@example.com}
"""


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def remind_kb(dest: Path, extra_channels: str = "") -> Path:
    kb = copy_base(dest)
    policy = kb / "policy.yml"
    policy.write_text(policy.read_text(encoding="utf-8") + NOTIFY + extra_channels, encoding="utf-8")
    _replace(
        kb / "engineers" / "zhang-wei.yml",
        "  - {name: Fortinet NSE 4, kind: fortinet, obtained: 2023-01-10}\n",
        "  - {name: Fortinet NSE 4, kind: fortinet, obtained: 2023-01-10, expires: 2026-12-01}\n",
    )
    li_na = kb / "engineers" / "li-na.yml"
    _replace(li_na, "level: L2\n", "level: L2\nemail: lina@example.com\nmobile: \"13900000002\"\n")
    _replace(li_na, "kind: nova, obtained: 2021-05-01}", "kind: nova, obtained: 2021-05-01, expires: 2026-12-24}")
    return init_repo(kb)
