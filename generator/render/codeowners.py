"""CODEOWNERS from the people records: a change to a client's folder needs its dedicated
engineer and the ops manager; CODEOWNERS itself is owned by the ops manager.

- GitLab: each ``[Section]`` is its own approval rule, so the ops manager's section and the
  dedicated engineers' section make two required approvals. Account managers are asked in an
  optional ``^[Section]`` (review requested, approval not required).
- GitHub: one line per path, the last matching line wins, and ANY one owner on it can approve.
  GitHub cannot require two particular people; the file says so, and the README says what to
  combine it with.

Handles are validated again here (the schemas check them too): a handle is spliced into a file
that grants merge rights, so anything that is not a plain user or ``org/team`` name is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..facts import ACTIVE
from ..finding import Finding, Severity
from ..formats import is_slug
from ..model import KB, Client
from ..rules.common import make

RULE = "ref"
HANDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*")
DEFAULT_PATH = {"github": ".github/CODEOWNERS", "gitlab": ".gitlab/CODEOWNERS"}


def _owner(handle: str) -> str:
    return "@" + handle


def _served(kb: KB) -> list[Client]:
    return sorted(
        (
            c
            for c in kb.clients.values()
            if is_slug(c.folder) and c.status in ACTIVE and c.assignment and c.assignment.engineer
        ),
        key=lambda c: c.folder,
    )


def problems(kb: KB) -> Iterator[Finding]:
    """What stops a correct CODEOWNERS: a missing ops manager, engineers without a usable handle."""
    p = kb.policy
    E = Severity.ERROR
    if p is None:
        yield make(
            E,
            ("policy.yml", 1, 1),
            RULE,
            "policy.yml 无法读取：不知道运维经理是谁。",
            "policy.yml cannot be read: no ops manager.",
        )
        return
    om = p.ops_manager
    if om is None or not om.handle:
        yield make(
            E,
            p.where.at("roles", "ops_manager") if om is not None else p.where.at(),
            RULE,
            "没有运维经理的代码平台账号（policy.yml 的 roles.ops_manager.handle）：CODEOWNERS 须由运维经理审核每个客户档案的变更。",
            "No ops manager handle (policy.yml roles.ops_manager.handle): CODEOWNERS needs the ops manager to review every dossier change.",
            "在 policy.yml 中添加 roles: {ops_manager: {name: 姓名, handle: 平台用户名}}。",
            "Add roles: {ops_manager: {name, handle}} to policy.yml.",
        )
    elif not HANDLE.fullmatch(om.handle):
        yield make(
            E,
            p.where.at("roles", "ops_manager", "handle"),
            RULE,
            f"运维经理的账号“{om.handle}”不是平台用户名或 组织/团队。",
            f"The ops manager handle '{om.handle}' is not a user or org/team name.",
        )
    seen: set[str] = set()
    for c in _served(kb):
        eid = c.assignment.engineer if c.assignment else None
        if not eid or eid in seen:
            continue
        seen.add(eid)
        e = kb.engineers.get(eid)
        if e is None:
            yield make(
                E,
                c.where.sub("assignment").at("engineer"),
                RULE,
                f"专属工程师 {eid} 没有档案（engineers/{eid}.yml），无法确定其审核账号。",
                f"The dedicated engineer {eid} has no profile (engineers/{eid}.yml): no reviewer handle.",
            )
        elif not e.handle or not HANDLE.fullmatch(e.handle):
            yield make(
                E,
                e.where.at("handle") if e.handle else e.where.at(),
                RULE,
                f"{kb.engineer_name(eid)} 是专属工程师，却没有可用的代码平台账号（handle）：CODEOWNERS 无法要求其审核所服务客户的档案。",
                f"{kb.engineer_name(eid)} is a dedicated engineer without a usable handle: CODEOWNERS cannot require their review.",
                "在工程师档案中添加 handle: GitHub/GitLab 用户名（不带 @）。",
                "Add handle: <GitHub/GitLab user name> (without @) to the engineer's profile.",
            )


def render(kb: KB, style: str, self_path: str) -> str:
    """The CODEOWNERS text for ``style`` ("github" | "gitlab"); call :func:`problems` first."""
    assert kb.policy is not None and kb.policy.ops_manager is not None and kb.policy.ops_manager.handle
    om = kb.policy.ops_manager
    manager = _owner(om.handle or "")
    rows = []
    for c in _served(kb):
        e = kb.engineers[c.assignment.engineer or ""] if c.assignment else None
        assert e is not None and e.handle
        rows.append((c, _owner(e.handle)))
    own = "/" + self_path.lstrip("/")
    head = [
        f"# CODEOWNERS（{style}）— 由 `kb export codeowners --style {style}` 从 policy.yml（roles.ops_manager）、",
        "# engineers/*.yml 与 clients/*/client.yml 生成。不要手工修改：人员或指派变化后重新生成。",
        f"# 运维经理：{om.name or om.handle}（{manager}）。",
    ]
    if style == "github":
        lines = [
            *head,
            "#",
            "# GitHub：最后一条匹配的规则生效，规则上列出的任何一位负责人批准即可。GitHub 无法强制“专属工程师和",
            "# 运维经理都批准”；请同时在分支保护中开启 Require review from Code Owners，并把所需批准数设为 2（README）。",
            "",
            "# 知识库的其余一切（策略参数、工程师档案、模板、生成器）：运维经理",
            f"* {manager}",
            "",
            "# 客户档案：专属工程师与运维经理（§5.2、§8.2）",
            *(f"/clients/{c.folder}/ {owner} {manager}" for c, owner in rows),
            "",
            "# 本文件只由运维经理批准（放在最后，最后匹配的规则生效）",
            f"{own} {manager}",
        ]
    else:
        lines = [
            *head,
            "#",
            "# GitLab：每个 [节] 是一条独立的审批规则，节与节之间都要满足：客户档案的变更既要运维经理批准，",
            "# 也要该客户的专属工程师批准。^[节] 是可选节：只请求审阅，不要求批准。",
            "",
            f"[运维经理] {manager}",
            "*",
            own,
            "",
            "[专属工程师]",
            *(f"/clients/{c.folder}/ {owner}" for c, owner in rows),
        ]
        am_rows = [
            (c, _owner(c.account_manager.handle))
            for c in sorted(kb.clients.values(), key=lambda c: c.folder)
            if is_slug(c.folder)
            and c.account_manager
            and c.account_manager.handle
            and HANDLE.fullmatch(c.account_manager.handle)
        ]
        if am_rows:
            lines += ["", "^[客户经理]", *(f"/clients/{c.folder}/ {owner}" for c, owner in am_rows)]
    return "\n".join(lines) + "\n"
