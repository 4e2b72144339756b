"""Which files make up a KB, and what kind each one is.

Layout (DESIGN.md §1–2): ``policy.yml``; ``clients/<id>/client.yml`` with
``meetings/<date>.yml`` and ``handoffs/<task-id>.yml`` beside it and attachments under
``files/``; ``engineers/<id>.yml``. A file that looks like KB data but sits where it
would not be read (``client.yaml``, a stray ``.yml``) is reported, so nothing the user
wrote is silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import boundary
from .finding import Finding, Msg, error, warning
from .source import Tree, as_tree

RULE = "load"


@dataclass(frozen=True)
class SourceFile:
    rel: str  # POSIX path relative to the KB root
    kind: str  # client | meeting | handoff | engineer | policy
    client: str | None = None  # the client folder, for client, meeting and handoff files


def is_kb(root: Path) -> bool:
    return (root / "clients").is_dir() or (root / "engineers").is_dir() or (root / "policy.yml").is_file()


# What kb must not read although it is there: a link out of the KB, a FIFO, a device, a socket.
# The ``boundary`` finding at the path says so (boundary.survey); no second "missing" finding.
_REFUSED = (boundary.OUTSIDE, boundary.SPECIAL)


def _visible(p: Path) -> bool:
    return not p.name.startswith(".")


def _yaml_like(p: Path) -> bool:
    return p.suffix.lower() in (".yml", ".yaml")


def _misplaced(rel: str) -> Finding:
    """A YAML file where kb does not read: suggest the name it probably meant."""
    parts = rel.split("/")
    expected = None
    if rel.endswith(".yaml") or rel.endswith(".YML") or rel.endswith(".YAML"):
        stem = parts[-1].rsplit(".", 1)[0]
        if parts[0] == "clients" and len(parts) == 3:
            expected = f"clients/{parts[1]}/client.yml"
        elif (parts[0] == "clients" and len(parts) == 4 and parts[2] in ("meetings", "handoffs")) or (
            parts[0] == "engineers" and len(parts) == 2
        ):
            expected = "/".join([*parts[:-1], f"{stem}.yml"])
    if expected:
        return warning(
            rel,
            1,
            1,
            RULE,
            Msg(f"这个文件不会被读取：应命名为 {expected}。", f"This file is not read: it should be named {expected}."),
            Msg("重命名该文件（扩展名只用 .yml）。", "Rename the file (use the .yml extension)."),
        )
    return warning(
        rel,
        1,
        1,
        RULE,
        Msg("这个文件不在 kb 读取的位置，不会被检查。", "This file is not where kb reads, so it is not checked."),
        Msg(
            "kb 读取 clients/<id>/client.yml、clients/<id>/meetings/*.yml、clients/<id>/handoffs/*.yml 和 "
            "engineers/*.yml；附件放在 clients/<id>/files/。移动或删除该文件。",
            "kb reads clients/<id>/client.yml, clients/<id>/meetings/*.yml, clients/<id>/handoffs/*.yml and "
            "engineers/*.yml; attachments go under clients/<id>/files/. Move or delete the file.",
        ),
    )


def _stray_yaml(tree: Tree, read: set[str]) -> list[Finding]:
    """Every YAML file under clients/ and engineers/ that is not read (attachments excepted)."""
    out = []
    for top in ("clients", "engineers"):
        for rel_dir, dirnames, filenames in tree.oswalk(top):
            depth = rel_dir.count("/")
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and not (top == "clients" and depth == 1 and d == "files")
            )
            for name in sorted(filenames):
                rel = f"{rel_dir}/{name}"
                if not name.startswith(".") and _yaml_like(Path(name)) and rel not in read:
                    out.append(_misplaced(rel))
    return out


def discover(where: Path | Tree) -> tuple[list[SourceFile], list[Finding]]:
    """List the KB's files in a stable order, with findings for misplaced ones. ``where`` is the
    KB's folder or a :class:`~generator.source.Tree` (the KB at a commit, for ``--as-of``)."""
    tree = as_tree(where)
    files: list[SourceFile] = []
    findings: list[Finding] = []
    # Each folder is listed once (boundary.listing): a symlink is followed only when it stays
    # inside the KB, so a client folder linked to a folder outside is not a dossier.
    top = tree.listing("")
    if top.get("policy.yml") == boundary.FILE:
        files.append(SourceFile("policy.yml", "policy"))
    elif top.get("policy.yml") not in _REFUSED:
        findings.append(
            error(
                "policy.yml",
                1,
                1,
                RULE,
                Msg("缺少 policy.yml。", "policy.yml is missing."),
                Msg(
                    "从本仓库复制 policy.yml：规则的阈值和期限都从这里读取。",
                    "Copy policy.yml from this repository: the rules read their thresholds from it.",
                ),
            )
        )
    if top.get("clients") == boundary.DIR:
        entries = tree.listing("clients")
        for cid in sorted(n for n, kind in entries.items() if kind == boundary.DIR and _visible(Path(n))):
            base = f"clients/{cid}"
            inner = tree.listing(base)
            if inner.get("client.yml") == boundary.FILE:
                files.append(SourceFile(f"{base}/client.yml", "client", cid))
            elif inner.get("client.yml") not in _REFUSED:
                findings.append(
                    error(
                        f"{base}/client.yml",
                        1,
                        1,
                        RULE,
                        Msg(f"客户目录 {base}/ 中没有 client.yml。", f"The client folder {base}/ has no client.yml."),
                        Msg(
                            "每个客户目录都需要一个 client.yml 档案；用 kb new client 生成。",
                            "Every client folder needs a client.yml dossier; create one with kb new client.",
                        ),
                    )
                )
            for sub, kind in (("meetings", "meeting"), ("handoffs", "handoff")):
                if inner.get(sub) != boundary.DIR:
                    continue
                records = tree.listing(f"{base}/{sub}")
                for name in sorted(n for n, k in records.items() if k == boundary.FILE and _visible(Path(n))):
                    if name.endswith(".yml"):
                        files.append(SourceFile(f"{base}/{sub}/{name}", kind, cid))
    if top.get("engineers") == boundary.DIR:
        records = tree.listing("engineers")
        for name in sorted(n for n, k in records.items() if k == boundary.FILE and _visible(Path(n))):
            if name.endswith(".yml"):
                files.append(SourceFile(f"engineers/{name}", "engineer"))
    if top.get("calendar") == boundary.DIR:  # calendar/<year>.yml: a year's holiday arrangement (kb calendar import)
        records = tree.listing("calendar")
        for name in sorted(n for n, k in records.items() if k == boundary.FILE and _visible(Path(n))):
            if name.endswith(".yml"):
                files.append(SourceFile(f"calendar/{name}", "calendar"))
    if top.get("kpis") == boundary.DIR:  # kpis/<YYYY-Qn>.yml: a quarter's figures (kb import tickets)
        records = tree.listing("kpis")
        for name in sorted(n for n, k in records.items() if k == boundary.FILE and _visible(Path(n))):
            if name.endswith(".yml"):
                files.append(SourceFile(f"kpis/{name}", "kpis"))
    findings.extend(_stray_yaml(tree, {f.rel for f in files}))
    findings.extend(boundary.survey(tree))
    return files, findings
