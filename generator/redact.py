"""Secrets are never published: what the ``secret`` rule flags is withheld from every output.

The rule's findings say *where* (file, line, column); :func:`withheld` turns them into *what*:
the key path and value of each flagged YAML value, and each flagged attachment as a whole.
:func:`redact_kb` then gives the renderers a model in which those values — and every
reference to a withheld attachment — read as a visible placeholder, so the site pages, the
search index, the copied attachments, the Word forms and the exports all get it from one place,
in every build mode (not only ``--strict``). Rules see the model as it was read.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .finding import Finding, Lang, Msg
from .load import KeyPath, Loaded
from .load.syntax import Parser
from .model import KB, Where

SECRET = "secret"
PLACEHOLDER = Msg("【已隐去：疑似密钥，见 kb check】", "[withheld: suspected secret, see kb check]")


@dataclass(frozen=True)
class Withheld:
    """What must not be published: ``values`` per YAML file (key path → the value as written)
    and ``files``, the attachments (KB-relative paths) that are not copied anywhere."""

    values: Mapping[str, Mapping[KeyPath, str]] = field(default_factory=dict)
    files: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.values) or bool(self.files)

    def covers(self, rel: str) -> bool:
        """True when the attachment ``rel`` (KB-relative) must not be published."""
        return posixpath.normpath(rel) in self.files


NOTHING = Withheld()


def scalar_spans(text: str) -> list[tuple[KeyPath, tuple[int, int], tuple[int, int], str]]:
    """Every scalar *value* of a YAML text: its key path, start and end (0-based line and
    column, the end exclusive) and its text. Mapping keys are not values."""
    out: list[tuple[KeyPath, tuple[int, int], tuple[int, int], str]] = []
    # one frame per open collection: [path, is_mapping, next key (mapping) or next index (list), awaiting key]
    stack: list[list[Any]] = []
    loader = Parser(text)

    def value_path() -> KeyPath:
        frame = stack[-1]
        return (*frame[0], frame[2])  # the current key of a mapping, the index in a list

    def advance() -> None:
        if stack:
            frame = stack[-1]
            if frame[1]:
                frame[3] = True
            else:
                frame[2] += 1

    try:
        while True:
            ev = loader.get_event()
            if isinstance(ev, yaml.StreamEndEvent):
                break
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                path: KeyPath = value_path() if stack else ()
                stack.append([path, isinstance(ev, yaml.MappingStartEvent), 0, True])
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                advance()
            elif isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent)):
                if stack and stack[-1][1] and stack[-1][3]:  # a key
                    stack[-1][2] = ev.value if isinstance(ev, yaml.ScalarEvent) else "*"
                    stack[-1][3] = False
                    continue
                start, end = ev.start_mark, ev.end_mark
                if isinstance(ev, yaml.ScalarEvent) and start is not None and end is not None:
                    out.append(
                        (value_path() if stack else (), (start.line, start.column), (end.line, end.column), ev.value)
                    )
                advance()
    except yaml.YAMLError:
        pass  # the load stage reports it; what was read so far still counts
    finally:
        loader.dispose()
    return out


def _flagged(
    spans: list[tuple[KeyPath, tuple[int, int], tuple[int, int], str]], line: int, column: int
) -> list[tuple[KeyPath, str]]:
    """The value a finding at ``line``:``column`` (1-based) is about: the scalar that holds that
    spot (the words of a note, a line of a block scalar), else the first value after it on the
    line (``password: x``, ``{user: a, password: x}`` flag ``x``). A spot in a comment after the
    values (``id: x  # password: …``) withholds nothing."""
    at = (line - 1, column - 1)
    holding = [(p, v) for p, start, end, v in spans if start <= at < end]
    if holding:
        return holding
    after = [(p, v) for p, start, _end, v in spans if start[0] == at[0] and start[1] >= at[1]]
    return after[:1]


def withheld(findings: Iterable[Finding], loaded: Mapping[str, Loaded]) -> Withheld:
    """What the ``secret`` findings flag: values of the YAML records read (``loaded``), and
    any other file as a whole attachment."""
    spots: dict[str, list[tuple[int, int]]] = {}
    files: set[str] = set()
    for f in findings:
        if f.rule != SECRET:
            continue
        if f.file in loaded:
            spots.setdefault(f.file, []).append((f.line, f.column))
        else:
            files.add(posixpath.normpath(f.file))
    values: dict[str, dict[KeyPath, str]] = {}
    for file, where in spots.items():
        text = loaded[file].text
        if text is None:
            continue
        spans = scalar_spans(text)
        for line, column in where:
            for path, value in _flagged(spans, line, column):
                values.setdefault(file, {})[path] = value
    return Withheld(values, frozenset(files))


class Transform:
    """A rewrite of the model's text, applied once between the model and every output (the
    secrets withheld here, the personal data masked by :mod:`generator.personal`): :meth:`text`
    says what each string of a record's file reads as; :meth:`affected` which records to walk."""

    def affected(self, *files: str) -> bool:
        return True

    def text(self, s: str, file: str) -> str:
        return s

    def walk(self, obj: Any, file: str) -> Any:
        if isinstance(obj, str):
            return self.text(obj, file)
        if isinstance(obj, tuple):
            items = tuple(self.walk(x, file) for x in obj)
            return items if any(a is not b for a, b in zip(items, obj, strict=True)) else obj
        if isinstance(obj, dict):  # policy.roles: role → person
            values = {k: self.walk(v, file) for k, v in obj.items()}
            return values if any(values[k] is not v for k, v in obj.items()) else obj
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            where = getattr(obj, "where", None)
            own = where.file if isinstance(where, Where) and where.file else file
            changes = {}
            for f in dataclasses.fields(obj):
                if f.name == "where" or not f.init:
                    continue
                old = getattr(obj, f.name)
                new = self.walk(old, own)
                if new is not old:
                    changes[f.name] = new
            return dataclasses.replace(obj, **changes) if changes else obj
        return obj


def apply(kb: KB, t: Transform) -> KB:
    """The model with ``t`` applied to the records it affects (the others are shared)."""
    clients = {}
    for cid, c in kb.clients.items():
        files = [c.where.file, *(m.where.file for m in c.meetings), *(h.where.file for h in c.handoffs)]
        clients[cid] = t.walk(c, c.where.file) if t.affected(*files) else c
    engineers = {eid: t.walk(e, e.where.file) if t.affected(e.where.file) else e for eid, e in kb.engineers.items()}
    policy = t.walk(kb.policy, "policy.yml") if kb.policy is not None and t.affected("policy.yml") else kb.policy
    return dataclasses.replace(kb, clients=clients, engineers=engineers, policy=policy)


class _Redactor(Transform):
    def __init__(self, w: Withheld, lang: Lang) -> None:
        self.placeholder = PLACEHOLDER(lang)
        self.values = {f: {v.strip() for v in vs.values() if v.strip()} for f, vs in w.values.items()}
        self.files = w.files

    def affected(self, *files: str) -> bool:
        return any(f in self.values for f in files) or any(
            a.startswith(_folder(f) + "/") for f in files if _folder(f) for a in self.files
        )

    def hit(self, s: str, file: str) -> bool:
        t = s.strip()
        if t in self.values.get(file, ()):
            return True
        folder = _folder(file)
        if folder and self.files and "\n" not in t and 0 < len(t) < 1024:
            return posixpath.normpath(f"{folder}/{t}") in self.files
        return False

    def text(self, s: str, file: str) -> str:
        """What the string ``s`` of ``file`` reads as in the published model."""
        return self.placeholder if self.hit(s, file) else s


def _folder(file: str) -> str:
    """``clients/<id>`` for a file of a client folder (attachment paths are relative to it)."""
    parts = file.split("/")
    return "/".join(parts[:2]) if parts[0] == "clients" and len(parts) > 2 else ""


def redact_kb(kb: KB, w: Withheld, lang: Lang = "zh") -> KB:
    """The model with every withheld value, and every reference to a withheld attachment,
    replaced by the placeholder; the same object when nothing is withheld."""
    if not w:
        return kb
    return apply(kb, _Redactor(w, lang))


def scrub(findings: list[Finding], w: Withheld) -> list[Finding]:
    """Findings whose message or hint repeats a withheld value (a schema finding quoting the
    value it refuses, a handoff finding naming the client's account manager) say the
    placeholder instead: reports and the compliance page are outputs too."""
    needles = sorted({v.strip() for vs in w.values.values() for v in vs.values() if len(v.strip()) >= 4}, key=len)
    if not needles:
        return findings
    needles.reverse()  # the longest first, so a value inside another is not replaced half

    def clean(m: Msg) -> Msg:
        zh, en = m.zh, m.en
        for v in needles:
            if v in zh or v in en:
                zh, en = zh.replace(v, PLACEHOLDER.zh), en.replace(v, PLACEHOLDER.en)
        return m if (zh, en) == (m.zh, m.en) else Msg(zh, en)

    return [
        f if f.rule == SECRET else dataclasses.replace(f, message=clean(f.message), hint=clean(f.hint))
        for f in findings
    ]


def secrets_in(text: str, rel: str) -> list[tuple[str, Finding]]:
    """The ``secret`` findings of a YAML text about to be written (``kb import``), each with the
    key path of the value it flags (``knowledge_base.special_notes``, ``sites[0].name``): the
    importer refuses to write any of them."""
    from .rules.secrets import scan_text

    found = list(scan_text(rel, text))
    spans = scalar_spans(text) if found else []
    out = []
    for f in found:
        paths = [p for p, _v in _flagged(spans, f.line, f.column)]
        out.append((_dotted(paths[0]) if paths else "", f))
    return out


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
