"""The Word forms: 《专属工程师服务申请表》 (§7.2, §8.1), the 《客户运维知识库》 booklet (§5.2)
and the 《问题定界分析报告》 of a handoff (§6) — filled from the model, or blank.

Pure functions: model in, .docx bytes out (:func:`render_application`, :func:`render_kb`,
:func:`render_handoff`, :func:`render_blank`); writing files is the command layer's job.
Each form is a docxtpl template in ``generator/templates/forms/`` built by
``tools/build_form_templates.py`` from the layouts in :mod:`.form_spec`; a KB may bring its
own restyled copy as ``<KB root>/templates/forms/<kind>.docx``. Every render runs with
autoescape and ``StrictUndefined`` (a placeholder the data does not have is an error, not an
empty cell), then gives every run explicit Chinese fonts (:mod:`.typography`).

Labelling convention — what an importer relies on
=================================================

1. **Fields.** A field is a row of exactly two cells — a label cell and a value cell — in a
   table that is *not* preceded by a title paragraph (that would make it a list, point 2).
   The label cell holds the Chinese label, a space, and the field's YAML key path as its own
   run in the character style ``Form Key`` (small, grey), e.g. ``客户名称 name``,
   ``月合同金额（元） criteria.monthly_contract_cny``, ``初审日期 application.review.on``.
   So the key is the label cell's last whitespace-separated token. Rows whose label has no
   key (``判定``, ``工程师当前负载``, the ``…签字`` signature rows) are computed or for ink,
   and are not read back.
2. **Repeating tables.** A list is a table whose title paragraph — the paragraph right
   before the table, style ``Form Table Title``, whose last run is in ``Form Key`` — ends
   with the list's key path
   (``站点 sites``, ``联系人 contacts``, ``重要业务 applications``, ``线路 lines``,
   ``过往遇到的主要问题 pain_points.history``, ``典型故障 knowledge_base.typical_faults``).
   Its first row is the header; each header cell ends with the item's key
   (``站点ID id``, ``名称 name``, ``类型 kind`` …). Every further row is one list item; a row
   whose cells are all empty, ``—`` or ``【缺】`` is no item. Every table is followed by a
   paragraph (possibly empty), so no two tables touch.
3. **Keys** are the data contract's (DESIGN.md §2): paths from the top of ``client.yml``
   (application form, booklet) or of ``handoffs/<task-id>.yml`` (handoff report).
4. **Values.** Text as typed (line breaks kept; characters XML cannot hold removed). Dates
   ``YYYY-MM-DD``; amounts, minutes, hours, percentages and bandwidths as plain numbers
   without separators (``320000``). A list of scalars (``peak_periods``, ``key_terms``,
   ``ports``, ``subnets``, ``agreed_by``, ``steps``, ``logs`` …) has one item per line. Enum
   codes and ids are written ``code（中文）`` — ``technical（技术）``, ``sh-idc（上海外高桥IDC）``,
   ``zhang-wei（张伟）`` — read the part before the first ``（``; a person typing a blank form
   may write the code or the Chinese alone. A handoff's ``coordinator`` / ``owner`` is
   ``姓名（角色）`` (``name`` before the ``（``, ``role`` inside), or ``姓名，角色`` when the
   role has brackets of its own.
5. **Empty.** ``【缺】`` marks a required item that is missing (what the rules require: the
   §8.1 materials, the §7.2 workflow, the §9.2 split, the §7.3 load plan, the §5.2 sections,
   the §6 report); ``—`` an optional item left empty; a blank form's cells are empty. All three
   mean "no value".
6. Everything else — headings, notes, the cover, the contents, pictures, captions, the gap
   lines under a table (``【缺】缺少 IDC 站点（§8.1）``) — is layout, not data.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Emu, Mm
from docxtpl import DocxTemplate, InlineImage  # type: ignore[import-untyped]
from jinja2 import Environment, StrictUndefined, TemplateError
from markupsafe import Markup

from .. import boundary
from ..model import KB, Client, Handoff
from . import typography
from .diagrams import network_diagram
from .form_context import (
    MISSING,
    Tree,
    application_meta,
    clean,
    client_tree,
    handoff_meta,
    handoff_tree,
    kb_meta,
    xml_text,
)
from .form_spec import FORMS, Cover, Fields, Form, Kind, Lines, Pictures, Table, expr_of

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "forms"
STAMP = (2026, 1, 1, 0, 0, 0)  # zip member dates: the same input gives the same bytes
PICTURE_W, PICTURE_H = Mm(160), Mm(190)  # within the A4 text area of the templates
PICTURE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
PICTURE_LIMIT = 10 * 1024 * 1024
MISSING_COLOUR = "C00000"
NOTE_STYLE = "Form Note"  # the builder's style for fixed guidance paragraphs

TITLES: dict[Kind, str] = {kind: form.title for kind, form in FORMS.items()}


class FormTemplateError(Exception):
    """A template that cannot be rendered (a placeholder the data does not have, broken syntax)."""


def template_path(kind: Kind, root: Path | None = None) -> Path:
    """The KB's own ``templates/forms/<kind>.docx`` when it has one, else the default."""
    name = FORMS[kind].template
    # a KB's template is used only when it is a regular file inside the KB (a link out is a
    # boundary finding, and the default template is used)
    if root is not None and boundary.inside(root, root / "templates" / "forms" / name).readable:
        return root / "templates" / "forms" / name
    return TEMPLATES / name


@functools.lru_cache(maxsize=16)
def _template_bytes(path: Path, mtime_ns: int) -> bytes:
    return path.read_bytes()


class _CompiledOnce(Environment):
    """A Jinja environment that compiles each template source once: docxtpl recompiles the
    document, header and footer XML on every render (two thirds of a render's time)."""

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self._compiled:
            if len(self._compiled) > 64:
                self._compiled.clear()
            self._compiled[source] = super().from_string(source)
        return self._compiled[source]


@functools.lru_cache(maxsize=1)
def _environment() -> _CompiledOnce:
    return _CompiledOnce()


@functools.lru_cache(maxsize=64)
def _patched(xml: str) -> str:
    """docxtpl's clean-up of the template XML (Word splits ``{{ … }}`` over several runs); it
    depends on the XML alone, so an instance without a document does."""
    return str(DocxTemplate.patch_xml(DocxTemplate.__new__(DocxTemplate), xml))


class _Template(DocxTemplate):  # type: ignore[misc]
    """docxtpl with its template clean-up memoised (the same template XML gives the same result)."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)


def _template(kind: Kind, root: Path | None) -> tuple[Path, DocxTemplate]:
    path = template_path(kind, root)
    data = _template_bytes(path, path.stat().st_mtime_ns)
    return path, _Template(io.BytesIO(data))


# ------------------------------------------------------------------ contexts


def _picture(tpl: DocxTemplate, blob: bytes, caption: str) -> Tree:
    """An InlineImage fitted to the text area (never enlarged), with its caption."""
    image = Image.from_blob(blob)
    w, h = image.width, image.height
    scale = min(1.0, PICTURE_W / w, PICTURE_H / h) if w and h else 1.0
    return {
        "picture": InlineImage(tpl, io.BytesIO(blob), width=Emu(int(w * scale)), height=Emu(int(h * scale))),
        "caption": xml_text(clean(caption)),
    }


def _attached_pictures(tpl: DocxTemplate, kb: KB, c: Client, paths: list[tuple[str, str]]) -> list[Tree]:
    """Pictures among ``paths`` (``files/…`` under the client's folder): regular files inside
    the KB (never through a link out of it, see boundary.py), small enough and readable; the
    others are left out (the ``ref`` rule reports them). A withheld attachment's path already
    reads as the placeholder, so it is no picture."""
    folder = PurePosixPath("clients", c.folder)
    out = []
    for rel, caption in paths:
        p = PurePosixPath(rel)
        if not rel or not rel.lower().endswith(PICTURE_TYPES) or p.is_absolute() or ".." in p.parts:
            continue
        try:
            blob = (
                kb.tree.read(f"{folder}/{p}", PICTURE_LIMIT + 1)
                if kb.tree is not None  # kb build --as-of: the picture as committed then
                else boundary.read_inside(kb.root, kb.root / folder / p, PICTURE_LIMIT + 1)
            )
            if blob is None or len(blob) > PICTURE_LIMIT:
                continue
            out.append(_picture(tpl, blob, caption))
        except Exception:
            continue
    return out


def application_context(tpl: DocxTemplate, kb: KB, client: Client) -> dict[str, Any]:
    return {"client": client_tree(kb, client), "meta": application_meta(kb, client)}


def kb_context(
    tpl: DocxTemplate,
    kb: KB,
    client: Client,
    today: dt.date,
    picture: Callable[[Client], bytes | None] | None = None,
) -> dict[str, Any]:
    meta = kb_meta(kb, client, today)
    name = client.name or client.id
    try:
        png = (picture or (lambda c: network_diagram(c, "png")))(client)
        diagrams = [_picture(tpl, png, f"图 1　{name} 网络拓扑（由站点、线路和重要业务自动绘制）")] if png else []
        if not diagrams:
            diagrams = [
                {"picture": Markup(MISSING + "没有站点，无法绘制网络拓扑（§8.1 核心/HUB/IDC 站点）"), "caption": ""}
            ]
    except Exception as exc:  # a picture that cannot be drawn must not cost the whole booklet
        diagrams = [{"picture": xml_text(f"（网络拓扑图无法绘制：{type(exc).__name__}）"), "caption": ""}]
    k = client.knowledge_base
    attached = [(x.path or "", f"{x.title}（{x.path}）") for x in (k.attachments if k else ())]
    for i, pic in enumerate(_attached_pictures(tpl, kb, client, attached), start=2):
        pic["caption"] = Markup(f"图 {i}　") + pic["caption"]
        diagrams.append(pic)
    meta["diagrams"] = diagrams
    return {"client": client_tree(kb, client, kb_required=True), "meta": meta}


def handoff_context(tpl: DocxTemplate, kb: KB, client: Client, handoff: Handoff) -> dict[str, Any]:
    meta = handoff_meta(kb, client, handoff)
    shots = handoff.report.screenshots if handoff.report else ()
    meta["screenshots"] = _attached_pictures(tpl, kb, client, [(p, f"配置截图　{p}") for p in shots])
    return {"handoff": handoff_tree(handoff), "meta": meta}


def _put(ctx: dict[str, Any], expr: str, value: Any) -> None:
    *parents, last = expr.split(".")
    node = ctx
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def _blocks(form: Form) -> Iterator[Any]:
    for block in form.blocks:
        yield block
        if isinstance(block, Cover):
            yield block.fields


def blank_context(tpl: DocxTemplate, kind: Kind) -> dict[str, Any]:
    """Empty values for every placeholder of the form, a few empty rows in each table."""
    form = FORMS[kind]
    ctx: dict[str, Any] = {form.root: {}, "meta": {}}
    for expr in re.findall(r"{{\s*([\w.]+)\s*}}", form.header):
        _put(ctx, expr, "")
    for block in _blocks(form):
        if isinstance(block, Fields):
            for f in block.rows:
                expr = expr_of(form, f)
                if expr:
                    _put(ctx, expr, "")
        elif isinstance(block, Table):
            _put(
                ctx, f"{form.root}.{block.key}", [dict.fromkeys((c.key for c in block.columns), "")] * block.blank_rows
            )
        elif isinstance(block, Lines):
            _put(ctx, block.expr, [])
        elif isinstance(block, Pictures):
            _put(ctx, block.expr, [{"picture": "（此处插入图片）", "caption": ""}])
        elif isinstance(block, Cover):
            _put(ctx, block.name_expr, "")
    return ctx


# ------------------------------------------------------------------ rendering


def normalize_package(docx: bytes) -> bytes:
    """The same package with fixed member dates, so the same form gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=STAMP)
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


_P, _R, _T = qn("w:p"), qn("w:r"), qn("w:t")
_PSTYLE = f"{qn('w:pPr')}/{qn('w:pStyle')}"


def _mark_missing(tpl: DocxTemplate) -> None:
    """【缺】 in red and bold, so an incomplete form cannot pass for a complete one (the notes
    that explain the marker stay as they are)."""
    notes = {s.style_id for s in tpl.docx.styles if s.name == NOTE_STYLE}
    for p in tpl.docx.element.body.iter(_P):
        style = p.find(_PSTYLE)
        if style is not None and style.get(qn("w:val")) in notes:
            continue
        for r in p.iterchildren(_R):
            if any(MISSING in (t.text or "") for t in r.iterchildren(_T)):
                rpr = r.get_or_add_rPr()
                rpr.get_or_add_b()
                rpr.get_or_add_color().set(qn("w:val"), MISSING_COLOUR)


def _render(kind: Kind, root: Path | None, context: Callable[[DocxTemplate], dict[str, Any]]) -> bytes:
    path, tpl = _template(kind, root)
    try:
        tpl.render(context(tpl), jinja_env=_environment(), autoescape=True)
    except TemplateError as exc:
        raise FormTemplateError(f"{path}: {exc}") from exc
    typography.chinese_runs(tpl.docx)
    _mark_missing(tpl)
    buf = io.BytesIO()
    tpl.save(buf)
    return normalize_package(buf.getvalue())


def render_application(kb: KB, client: Client) -> bytes:
    """《专属工程师服务申请表》 filled from the client's dossier (§7.2, §8.1)."""
    return _render("application", kb.root, lambda tpl: application_context(tpl, kb, client))


def render_kb(
    kb: KB, client: Client, today: dt.date, *, picture: Callable[[Client], bytes | None] | None = None
) -> bytes:
    """The 《客户运维知识库》 booklet (§5.2): cover, contents, the six sections with the network
    diagram, and an appendix of contacts and SLA. ``picture`` draws the diagram PNG (default
    :func:`.diagrams.network_diagram`; pass a cached one in a build)."""
    return _render("kb", kb.root, lambda tpl: kb_context(tpl, kb, client, today, picture))


def render_handoff(kb: KB, client: Client, handoff: Handoff) -> bytes:
    """《问题定界分析报告》 of one handoff (§6), with its screenshots and the task block."""
    return _render("handoff", kb.root, lambda tpl: handoff_context(tpl, kb, client, handoff))


def client_forms(
    kb: KB, client: Client, today: dt.date, *, picture: Callable[[Client], bytes | None] | None = None
) -> dict[str, bytes]:
    """Every filled form of a client by its default file name — the application form, the
    booklet and one report per handoff — for ``kb build`` to write into ``public/forms/``."""
    name = client.name or client.id
    out = {
        default_filename("application", name): render_application(kb, client),
        default_filename("kb", name): render_kb(kb, client, today, picture=picture),
    }
    for h in client.handoffs:
        out[default_filename("handoff", name, h.task_id)] = render_handoff(kb, client, h)
    return out


def render_blank(kind: Kind, root: Path | None = None) -> bytes:
    """The empty form: every label, a few empty rows in each table, nothing marked 【缺】."""
    return _render(kind, root, lambda tpl: blank_context(tpl, kind))


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", clean(name)).strip(" ._")[:60]


def default_filename(kind: Kind, client_name: str | None = None, task_id: str | None = None) -> str:
    """``专属工程师服务申请表-华兴物流集团.docx``, ``客户运维知识库-华兴物流集团.docx``,
    ``问题定界分析报告-华兴物流集团-xt-2026-0226.docx``; without a client, the blank form
    ``专属工程师服务申请表（空白）.docx``. Characters file systems refuse become ``_``."""
    title = TITLES[kind]
    if not client_name or not _safe(client_name):
        return f"{title}（空白）.docx"
    parts = [title, _safe(client_name)]
    if kind == "handoff" and task_id and _safe(task_id):
        parts.append(_safe(task_id))
    return "-".join(parts) + ".docx"
