"""A KB with months of history (pinned commit dates): events recorded on time and late across
2026, a second client arriving in May, an attachment linked out of the KB for a while, meetings
held and missed. Shared by the --as-of, report and trend tests."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from tests.conftest import commit_all, copy_base, git

ACME = "clients/acme/client.yml"
BETA = "clients/beta/client.yml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _meeting(repo: Path, client: str, day: str) -> None:
    src = repo / "clients" / client / "meetings"
    src.mkdir(parents=True, exist_ok=True)
    (src / f"{day}.yml").write_text(
        "\n".join(
            [
                "# yaml-language-server: $schema=../../../../../../schemas/meeting.schema.json",
                f"date: {day}",
                "kind: monthly",
                "attendees: [王敏, 李强, 张伟]",
                "business_updates: 业务平稳",
                "needs_and_risks: 无",
                "renewal_plan: 2027 年 8 月到期，客户有续约意向",
                "conclusions: [保持现状]",
                f"shared_with_engineer_on: {day}",
                "shared_via: email",
                "",
            ]
        ),
        encoding="utf-8",
    )


def _add_event(path: Path, kind: str, day: str, summary: str) -> None:
    text = path.read_text(encoding="utf-8")
    line = f"  - {{type: {kind}, occurred_on: {day}, summary: {summary}}}\n"
    if "events: []" in text:
        text = text.replace("events: []\n", "events:\n" + line, 1)
    else:
        text = re.sub(r"(events:\n(?:  - .*\n)*)", lambda m: m.group(1) + line, text, count=1)
    path.write_text(text, encoding="utf-8")


def make_history(repo: Path) -> Path:
    """Build the repository at ``repo`` and return it. Timeline (China time):

    * 2026-01-05 the KB is adopted (policy adopted_on 2025-12-01), client acme only;
    * 2026-02-03 the 2026-01-12 contract change is recorded — late (February's record);
    * 2026-02-10 a monthly meeting; 2026-03-09 files/env.log is linked to /etc/hostname;
    * 2026-04-08 the link is removed; a meeting;
    * 2026-05-12 client beta (temporary-priority) arrives, its picture a link to acme's;
    * 2026-06-02 beta's missing priority dates are exempted (approved 2026-06-01, until 2026-11-30);
    * 2026-07-02 the 2026-07-01 contact change is recorded on time;
    * 2026-07-28 the 2026-07-06 major activity is recorded — late (July's record);
    * 2026-08-04 a meeting; 2026-09-15 beta's dossier is edited.
    """
    copy_base(repo)
    shutil.rmtree(repo / "clients/acme/meetings")
    shutil.rmtree(repo / "clients/acme/handoffs")
    _edit(repo / "policy.yml", "adopted_on: 2026-11-01", "adopted_on: 2025-12-01")
    _edit(repo / ACME, "events:\n  - {type: contract-change, occurred_on: 2026-03-02, summary: 带宽扩容至 1G}\n", "events: []\n")
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "导入知识库", "2026-01-05T10:00:00+08:00")

    _add_event(repo / ACME, "contract-change", "2026-01-12", "带宽扩容至 1G")
    commit_all(repo, "acme：补记 1 月的合约变更", "2026-02-03T16:00:00+08:00")
    _meeting(repo, "acme", "2026-02-10")
    commit_all(repo, "acme：2 月例会", "2026-02-10T18:00:00+08:00")

    os.symlink("/etc/hostname", repo / "clients/acme/files/env.log")
    commit_all(repo, "acme：附上环境日志", "2026-03-09T11:00:00+08:00")

    (repo / "clients/acme/files/env.log").unlink()
    _meeting(repo, "acme", "2026-04-08")
    commit_all(repo, "acme：删除链接；4 月例会", "2026-04-08T17:30:00+08:00")

    beta = repo / "clients/beta"
    beta.mkdir()
    text = (repo / ACME).read_text(encoding="utf-8")
    text = text.replace("id: acme", "id: beta").replace("name: 艾克美物流", "name: 贝塔制造")
    text = text.replace("status: dedicated", "status: temporary-priority")
    text = re.sub(r"events:\n(?:  - .*\n)*", "events: []\n", text)
    (beta / "client.yml").write_text(text, encoding="utf-8")
    (beta / "files").mkdir()
    os.symlink("../../acme/files/topology.png", beta / "files/topology.png")  # a link that stays inside
    commit_all(repo, "新客户 beta", "2026-05-12T09:30:00+08:00")
    with (beta / "client.yml").open("a", encoding="utf-8") as fh:
        fh.write(
            "exemptions:\n"
            "  - rule: priority.temporary\n"
            "    reason: 临时优先期限待销售总监确认\n"
            "    approved_by: 工程运维部负责人\n"
            "    approved_on: 2026-06-01\n"
            "    expires: 2026-11-30\n"
        )
    commit_all(repo, "beta：临时优先期限豁免", "2026-06-02T10:00:00+08:00")

    _add_event(repo / ACME, "contact-change", "2026-07-01", "网络主管更换")
    commit_all(repo, "acme：联系人变动", "2026-07-02T10:00:00+08:00")
    _add_event(repo / ACME, "major-activity", "2026-07-06", "新仓库上线")
    commit_all(repo, "acme：补记重大业务活动", "2026-07-28T15:00:00+08:00")

    _meeting(repo, "acme", "2026-08-04")
    commit_all(repo, "acme：8 月例会", "2026-08-04T18:00:00+08:00")
    _edit(repo / BETA, "name: 贝塔制造", "name: 贝塔精密制造")
    commit_all(repo, "beta：更名", "2026-09-15T12:00:00+08:00")
    return repo
