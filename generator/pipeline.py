"""The pipeline: discover → load → validate → model → rules, as one function.

This is what ``kb check`` (and later ``kb build``) runs. It never raises for bad input;
:class:`~generator.validate.SchemaError` (our own schemas unusable) is the only
environment problem it lets through, for the command layer to turn into exit code 2.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

from . import asof, build, exemptions, redact, textfiles
from .discover import discover
from .finding import Finding, Lang
from .gcpause import gc_paused
from .history import History, read_history
from .load import DEFAULT_LIMITS, Limits, Loaded, load_file, load_from
from .model import KB, CalendarYear, Client, Engineer, Handoff, KpiPeriod, Meeting
from .policy import Policy, build_policy
from .redact import Withheld
from .rules import all_rules, run_rules
from .rules.secrets import scan as scan_secrets
from .source import GitTree, Tree, WorkTree
from .validate import KINDS, TODO, SchemaError, SchemaSet, validate

# An installed wheel carries the schemas as generator/_schemas/; an editable install reads the
# repository's schemas/ beside the package.
_WHEEL_SCHEMAS = Path(__file__).resolve().parent / "_schemas"
PACKAGE_SCHEMAS = _WHEEL_SCHEMAS if _WHEEL_SCHEMAS.is_dir() else Path(__file__).resolve().parent.parent / "schemas"


def find_schemas(root: Path) -> Path:
    """The KB's own ``schemas/`` if it has them all, else the ones beside this package."""
    for folder in (root / "schemas", PACKAGE_SCHEMAS):
        if all((folder / f"{k}.schema.json").is_file() for k in KINDS):
            return folder
    raise SchemaError(f"{root / 'schemas'}: 找不到 {', '.join(k + '.schema.json' for k in KINDS)}")


@dataclass(frozen=True)
class Outcome:
    kb: KB
    findings: list[Finding]
    loaded: dict[str, Loaded]
    history: History | None = None
    withheld: Withheld = redact.NOTHING  # what the secret findings flag; ``kb`` already reads it as withheld


Built = Client | Engineer | Meeting | Handoff | CalendarYear | KpiPeriod | Policy


class Reuse:
    """What several ``--as-of`` checks of one repository share (the trends read 24 month-ends):
    each file version — by path, kind and blob id, so by content — read, validated and built
    once; the first-parent history of HEAD read once, each month-end's history cut from it
    (:meth:`History.until`). A check with a ``Reuse`` gives the findings a check without one
    gives (tests/test_trends.py proves it)."""

    def __init__(self, root: Path, commits: list[tuple[str, int]] | None = None) -> None:
        """``commits``: HEAD's first-parent line as :func:`asof.first_parent_commits` gives it,
        when the caller has it already."""
        self.root = root
        self.files: dict[tuple[str, str, str], tuple[Loaded, list[Finding], Built | None]] = {}
        self._line: History | None = None
        self._order: dict[str, int] | None = None
        self._shas: list[str] = [c for c, _ct in commits] if commits is not None else []
        self._commits_given = commits is not None

    @property
    def line(self) -> History:
        """The history of HEAD (read once; unavailable with its reason, e.g. a shallow clone)."""
        if self._line is None or self._order is None:
            self._line = read_history(self.root)
            if not self._commits_given:
                self._shas = [c for c, _ct in asof.first_parent_commits(self.root)]  # newest first
            self._order = {c: i for i, c in enumerate(self._shas)}
        return self._line

    def history_at(self, sha: str) -> History:
        line = self.line
        i = self._order.get(sha) if self._order is not None else None
        if i is None:  # not on HEAD's first-parent line (a ref elsewhere): read it on its own
            return read_history(self.root, rev=sha)
        return line.until(set(self._shas[i:]))


def load_kb(
    root: Path,
    schemas: SchemaSet,
    limits: Limits = DEFAULT_LIMITS,
    clients: Collection[str] | None = None,
    tree: Tree | None = None,
    reuse: Reuse | None = None,
) -> tuple[KB, list[Finding], dict[str, Loaded]]:
    """Read every file of the KB into the model; findings for whatever was wrong.
    ``clients`` limits the client folders read (engineers and the policy are always read);
    ``tree`` reads the files from there (a commit's tree) instead of the folder ``root``;
    ``reuse`` keeps what each file version gave, for the next commit's tree."""
    with gc_paused():
        return _load_kb(root, schemas, limits, clients, tree=tree, reuse=reuse)


def _load_kb(
    root: Path,
    schemas: SchemaSet,
    limits: Limits,
    only: Collection[str] | None = None,
    scan: bool = True,
    tree: Tree | None = None,
    reuse: Reuse | None = None,
) -> tuple[KB, list[Finding], dict[str, Loaded]]:
    source: Tree = tree if tree is not None else WorkTree(root)
    by_blob = reuse.files if reuse is not None and isinstance(tree, GitTree) else None
    used: set[tuple[str, str, str]] = set()
    sources, findings = discover(source)
    if only is not None:
        sources = [s for s in sources if s.client is None or s.client in only]
    loaded: dict[str, Loaded] = {}
    clients: dict[str, Client] = {}
    engineers: dict[str, Engineer] = {}
    meetings: dict[str, list[Meeting]] = {}
    handoffs: dict[str, list[Handoff]] = {}
    engineer_ids: set[str] = set()
    policy: Policy | None = None
    calendars: list[CalendarYear] = []
    kpis: list[KpiPeriod] = []
    texts: dict[str, str] = {}
    for src in sources:
        if src.kind == "engineer":
            engineer_ids.add(Path(src.rel).stem)
        key = None
        if by_blob is not None:
            assert isinstance(tree, GitTree)
            blob = tree.blob_id(src.rel)
            key = (src.rel, src.kind, blob) if blob is not None else None
        known = by_blob.get(key) if by_blob is not None and key is not None else None
        if key is not None:
            used.add(key)
        if known is None:
            known = _read_one(root, src.rel, src.kind, src.client, limits, schemas, tree)
            if by_blob is not None and key is not None:
                by_blob[key] = known
        item, problems, made = known
        loaded[src.rel] = item
        findings.extend(item.findings)
        findings.extend(problems)
        if item.text is not None:
            texts[src.rel] = item.text
        if isinstance(made, Client):
            clients[made.folder] = made
        elif isinstance(made, Engineer):
            engineers[made.id] = made
            engineer_ids.add(made.id)
        elif isinstance(made, Meeting):
            assert src.client is not None
            meetings.setdefault(src.client, []).append(made)
        elif isinstance(made, Handoff):
            assert src.client is not None
            handoffs.setdefault(src.client, []).append(made)
        elif isinstance(made, CalendarYear):
            calendars.append(made)
        elif isinstance(made, KpiPeriod):
            kpis.append(made)
        elif isinstance(made, Policy):
            policy = made
    if reuse is not None and by_blob is not None:  # month-ends come oldest first: a replaced version rarely returns
        reuse.files = {k: by_blob[k] for k in used}
    if scan:  # attachments and other files, for the secret scan (decided by content, not by name)
        others, problems = textfiles.other_texts(source, set(texts), _attachment_paths(clients, handoffs))
        texts.update(others)
        findings.extend(problems)
    for cid, c in clients.items():
        clients[cid] = replace(c, meetings=tuple(meetings.get(cid, ())), handoffs=tuple(handoffs.get(cid, ())))
    kb = KB(
        root=root,
        clients=clients,
        engineers=engineers,
        policy=policy,
        texts=texts,
        known_engineer_ids=frozenset(engineer_ids),
        files=tuple(s.rel for s in sources),
        tree=tree,
        calendars=tuple(sorted(calendars, key=lambda c: (c.year or 0, c.where.file))),
        kpis=tuple(sorted(kpis, key=lambda k: (k.period or "", k.where.file))),
    )
    return kb, findings, loaded


def _read_one(
    root: Path, rel: str, kind: str, client: str | None, limits: Limits, schemas: SchemaSet, tree: Tree | None
) -> tuple[Loaded, list[Finding], Built | None]:
    """One file read, validated and built into the model: (loaded, schema findings, record)."""
    item = load_file(root, rel, limits) if tree is None else load_from(tree, rel, limits)
    if not item.usable:
        return item, [], None
    data, problems = validate(item, kind, schemas)
    if data is None:
        return item, problems, None
    valid = not problems
    made: Built
    if kind == "client":
        assert client is not None
        made = build.client(item, data, client, valid)
    elif kind == "engineer":
        made = build.engineer(item, data, Path(rel).stem, valid)
    elif kind == "meeting":
        assert client is not None
        made = build.meeting(item, data, client)
    elif kind == "handoff":
        assert client is not None
        made = build.handoff(item, data, client)
    elif kind == "calendar":
        made = build.calendar_year(item, data)
    elif kind == "kpis":
        made = build.kpi_period(item, data)
    else:
        made = build_policy(item, data)
    return item, problems, made


def _attachment_paths(clients: dict[str, Client], handoffs: dict[str, list[Handoff]]) -> list[str]:
    """Every attachment a dossier or handoff refers to, KB-relative: the scan reads each under
    the name it is published by (also when it is reached through a linked folder)."""
    out = []
    for cid, c in clients.items():
        paths = [a.path for a in (c.knowledge_base.attachments if c.knowledge_base else ()) if a.path]
        for h in handoffs.get(cid, ()):
            if h.report is not None:
                paths += [*h.report.logs, *h.report.screenshots]
        for p in paths:
            rel = posixpath.normpath(f"clients/{c.folder}/{p}")
            if not p.startswith("/") and rel.startswith(f"clients/{c.folder}/"):
                out.append(rel)
    return out


def _not_restating_todos(read: list[Finding], ruled: list[Finding]) -> list[Finding]:
    """A blank is said once: a rule finding at the line of a ``todo`` (请填写…) is dropped — the
    rule judges the value once there is one (a fresh ``kb new`` file lists only its to-dos)."""
    blanks = {(f.file, f.line) for f in read if f.rule == TODO}
    return [f for f in ruled if (f.file, f.line) not in blanks] if blanks else ruled


def _published(
    kb: KB, findings: list[Finding], loaded: dict[str, Loaded], lang: Lang
) -> tuple[KB, list[Finding], Withheld]:
    """Redact once, here, between the model and every output: the values and attachments the
    secret findings flag read as the placeholder (the rules have seen the model as read)."""
    withheld = redact.withheld(findings, loaded)
    return redact.redact_kb(kb, withheld, lang), redact.scrub(findings, withheld), withheld


def read_model(
    root: Path, clients: Collection[str] | None = None, limits: Limits = DEFAULT_LIMITS, lang: Lang = "zh"
) -> Outcome:
    """The model without rules or history, for commands that only read it (routing, the
    exports); ``clients`` limits the client folders read. Findings: loading and schemas only.
    Values the secret scan flags read as withheld, as in :func:`check`."""
    schemas = SchemaSet.from_dir(find_schemas(root))
    with gc_paused():
        kb, findings, loaded = _load_kb(root, schemas, limits, clients, scan=False)
    findings.sort(key=Finding.sort_key)
    secrets = list(scan_secrets(kb.texts))
    kb, findings, withheld = _published(kb, [*findings, *secrets], loaded, lang)
    findings = [f for f in findings if f.rule != redact.SECRET]
    return Outcome(kb, findings, loaded, None, withheld)


def check(
    root: Path,
    today: dt.date,
    limits: Limits = DEFAULT_LIMITS,
    git: bool = True,
    lang: Lang = "zh",
    at: str | None = None,
    reuse: Reuse | None = None,
) -> Outcome:
    """Everything ``kb check`` reports for the KB at ``root``, sorted by file and line.
    ``git=False`` skips the history stage (and so the deadline rules). ``at`` (a commit id,
    ``--as-of``) checks the KB as committed there, from git objects only, with the history up
    to that commit (the working tree is not read). The model it returns is the one to publish:
    what the secret findings flag reads as withheld (``lang`` picks the placeholder's language).
    :class:`~generator.source.GitError` when git cannot list that commit's tree. ``reuse`` shares
    file versions and the history between several ``at`` checks of one repository (the trends)."""
    schemas = SchemaSet.from_dir(find_schemas(root))
    tree = GitTree(root, at) if at is not None else None
    try:
        kb, findings, loaded = load_kb(root, schemas, limits, tree=tree, reuse=reuse)
        history = None if not git else reuse.history_at(at) if reuse is not None and at is not None else read_history(root, rev=at)
        ruled = run_rules(kb, history, today)
        # exemptions apply once, here, after the rules (which never see them)
        ruled = exemptions.apply(ruled, kb, today, {r.id for r in all_rules()})
        findings.extend(_not_restating_todos(findings, ruled))
    finally:
        if tree is not None:
            tree.close()  # a later read (an attachment copied by kb build) starts git again
    findings.sort(key=Finding.sort_key)
    kb, findings, withheld = _published(kb, findings, loaded, lang)
    return Outcome(kb, findings, loaded, history, withheld)
