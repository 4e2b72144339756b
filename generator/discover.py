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

from .finding import Finding, Msg, error, warning

RULE = "load"


@dataclass(frozen=True)
class SourceFile:
    rel: str  # POSIX path relative to the KB root
    kind: str  # client | meeting | handoff | engineer | policy
    client: str | None = None  # the client folder, for client, meeting and handoff files


def is_kb(root: Path) -> bool:
    return (root / "clients").is_dir() or (root / "engineers").is_dir() or (root / "policy.yml").is_file()


def _visible(p: Path) -> bool:
    return not p.name.startswith(".")


def _yaml_like(p: Path) -> bool:
    return p.suffix.lower() in (".yml", ".yaml")


def _ignored(rel: str, expected: str) -> Finding:
    return warning(
        rel,
        1,
        1,
        RULE,
        Msg(f"这个文件不会被读取：应命名为 {expected}。", f"This file is not read: it should be named {expected}."),
        Msg("重命名该文件（扩展名只用 .yml）。", "Rename the file (use the .yml extension)."),
    )


def discover(root: Path) -> tuple[list[SourceFile], list[Finding]]:
    """List the KB's files in a stable order, with findings for misplaced ones."""
    files: list[SourceFile] = []
    findings: list[Finding] = []
    if (root / "policy.yml").is_file():
        files.append(SourceFile("policy.yml", "policy"))
    else:
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
    clients = root / "clients"
    if clients.is_dir():
        for folder in sorted(p for p in clients.iterdir() if p.is_dir() and _visible(p)):
            cid = folder.name
            base = f"clients/{cid}"
            if (folder / "client.yml").is_file():
                files.append(SourceFile(f"{base}/client.yml", "client", cid))
            else:
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
            for p in sorted(folder.iterdir()):
                if p.is_file() and _visible(p) and _yaml_like(p) and p.name != "client.yml":
                    findings.append(_ignored(f"{base}/{p.name}", "client.yml"))
            for sub, kind in (("meetings", "meeting"), ("handoffs", "handoff")):
                d = folder / sub
                if not d.is_dir():
                    continue
                for p in sorted(x for x in d.iterdir() if x.is_file() and _visible(x)):
                    rel = f"{base}/{sub}/{p.name}"
                    if p.suffix == ".yml":
                        files.append(SourceFile(rel, kind, cid))
                    elif _yaml_like(p):
                        findings.append(_ignored(rel, f"{p.stem}.yml"))
    engineers = root / "engineers"
    if engineers.is_dir():
        for p in sorted(x for x in engineers.iterdir() if x.is_file() and _visible(x)):
            if p.suffix == ".yml":
                files.append(SourceFile(f"engineers/{p.name}", "engineer"))
            elif _yaml_like(p):
                findings.append(_ignored(f"engineers/{p.name}", f"{p.stem}.yml"))
    return files, findings
