"""The lifecycle on the site: the 生命周期 page (the state machine as a picture, who is where, the
status changes read from git, the reviews that are due) and the lifecycle block of a client page
(status, reviews, exit, transition outcome). Values only: the templates lay them out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ..facts import LIFECYCLE, STATES, latest_review, may_move, transition_end
from ..labels import STATUS
from ..model import Client
from .diagrams.lifecycle import lifecycle_diagram
from .escape import link
from .views import MISSING, SiteInput, join

OUTCOME = {"continue": "继续", "improve": "限期改进", "suspend": "暂停", "revoke": "撤销"}
REASON = {
    "criteria-lost": "不再满足关键客户标准（§9.3.1）",
    "retention-replacement": "保有策略替换（§9.3.1）",
    "review-revoked": "协作复审撤销（§8.4）",
    "contract-ended": "合同终止",
    "transition-c": "过渡期 C 类回归标准服务（§10.4）",
    "priority-ended": "临时优先级期满未达标（§9.3.3）",
}
C_OUTCOME = {"paid-service": "转为额外付费服务", "return-to-standard": "服务模式回归计划"}
CHANGES_SHOWN = 30

Picture = Callable[[str, Callable[[], bytes | None]], bytes | None]


def _status(s: str | None) -> str:
    return STATUS[s].zh if s in STATUS else (s or "—")


def client_lifecycle(s: SiteInput, c: Client) -> dict[str, Any]:
    """The lifecycle block of a client page: status, next moves, reviews, exit, the §10.4 outcome."""
    t, x = c.transition, c.exit
    last = latest_review(c, s.today)
    return {
        "status": f"{_status(c.status)}（{c.status}）" if c.status else MISSING,
        "next": join([f"{_status(n)}（{n}）" for n in LIFECYCLE.get(c.status or "", ())]) or "—",
        "reviews": [
            {
                "on": r.on or "?",
                "by": join(r.by) or MISSING,
                "evidence": r.evidence or "—",
                "outcome": OUTCOME.get(r.outcome or "", r.outcome or "?") + ("（当前）" if r is last else ""),
                "until": r.until or "—",
            }
            for r in sorted(c.reviews, key=lambda r: r.on or dt.date.min)
        ],
        "exit": None
        if x is None
        else {
            "on": x.on or MISSING,
            "reason": REASON.get(x.reason or "", x.reason) if x.reason else MISSING,
            "decided_by": join(x.decided_by) or MISSING,
        },
        "outcome": None
        if t is None or (t.klass != "C" and not t.outcome and t.tracking is None)
        else {
            "klass": t.klass or "—",
            "outcome": C_OUTCOME.get(t.outcome or "", t.outcome) if t.outcome else (MISSING if t.klass == "C" else "—"),
            "return_by": t.return_by or (MISSING if t.klass == "C" else "—"),
            "tracking": f"{t.tracking.on or '?'}：{t.tracking.decision or ''}" if t.tracking else "—",
        },
    }


def lifecycle_pages(
    env: Environment, s: SiteInput, picture: Picture, picture_key: Callable[..., str]
) -> dict[str, str | bytes]:
    """``lifecycle.md`` and its picture ``charts/lifecycle.svg``."""
    kb, h = s.kb, s.history
    clients = sorted(kb.clients.values(), key=lambda c: c.id)
    counts = {st: sum(c.status == st for c in clients) for st in STATES}
    svg = picture(picture_key("lifecycle", sorted(counts.items())), lambda: lifecycle_diagram(counts)) or b""
    states = [
        {
            "name": _status(st),
            "key": st,
            "count": counts[st],
            "clients": Markup("、").join(
                link(c.name or c.id, f"clients/{c.folder}.md") for c in clients if c.status == st
            )
            or "—",
            "next": join([f"{_status(n)}（{n}）" for n in LIFECYCLE[st]]),
        }
        for st in STATES
    ]
    changes: list[dict[str, Any]] = []
    if h is not None and h.available:
        for c in clients:
            for commit, old, new in h.status_changes(c.where.file):
                changes.append(
                    {
                        "date": commit.date,
                        "client": link(c.name or c.id, f"clients/{c.folder}.md"),
                        "move": f"{_status(old)} → {_status(new)}",
                        "ok": "符合"
                        if old not in STATES or new not in STATES or may_move(old, new)
                        else "不符合生命周期",
                        "commit": f"{commit.sha[:8]}（{commit.author}）",
                    }
                )
        changes.sort(key=lambda r: str(r["date"]), reverse=True)
    due = [
        {"subject": link(c.name or c.id, f"clients/{c.folder}.md"), "message": f.message.zh, "due": f.due or "—"}
        for c in clients
        for f in s.of_client(c.folder)
        if f.rule == "client.review" and f.message.zh.startswith("应发起协作复审")
    ]
    end = transition_end(kb)
    page = env.get_template("lifecycle.md.j2").render(
        states=states,
        changes=changes[:CHANGES_SHOWN],
        more=max(0, len(changes) - CHANGES_SHOWN),
        history=h is not None and h.available,
        due=due,
        suspended=[
            {
                "client": link(c.name or c.id, f"clients/{c.folder}.md"),
                "review": (lambda r: f"{r.on}：{r.evidence or '—'}" if r else MISSING)(latest_review(c, s.today)),
            }
            for c in clients
            if c.status == "suspended"
        ],
        exited=[
            {
                "client": link(c.name or c.id, f"clients/{c.folder}.md"),
                "on": (c.exit.on if c.exit else None) or MISSING,
                "reason": REASON.get(c.exit.reason or "", c.exit.reason or "") if c.exit else MISSING,
                "decided_by": join(c.exit.decided_by) if c.exit else "—",
            }
            for c in clients
            if c.status == "exited"
        ],
        end=end or "?",
    )
    return {"charts/lifecycle.svg": svg, "lifecycle.md": page}
