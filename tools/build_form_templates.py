"""Build the Word form templates (docxtpl) from the form layouts in ``generator/render/form_spec.py``.

    python tools/build_form_templates.py            # writes generator/templates/forms/*.docx
    python tools/build_form_templates.py --out DIR

The templates are ordinary .docx files: staff may open them in Word or WPS and restyle them
(fonts, sizes, colours, spacing, column widths, a logo in the header) as long as the
placeholders ``{{ … }}`` / ``{%tr … %}`` / ``{%p … %}`` and the grey key runs stay as they
are. This script is how the default layout is made, so it can be rebuilt after the layouts
change; its output is committed. The output is byte-for-byte reproducible.

Every page is A4 with the page number in the footer; every style carries explicit Latin and
East Asian fonts (宋体 body, 黑体 headings) and zh-CN language (``generator/render/typography.py``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from collections.abc import Sequence
from pathlib import Path

from docx import Document as new_document
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import CharacterStyle, ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.render import typography  # noqa: E402
from generator.render.form_spec import (  # noqa: E402
    FORMS,
    Contents,
    Cover,
    Fields,
    Form,
    Heading,
    Lines,
    Note,
    Pictures,
    Table,
    expr_of,
)
from generator.render.forms import normalize_package  # noqa: E402
from generator.render.report_spec import REPORT_FORM  # noqa: E402

OUT = REPO / "generator" / "templates" / "forms"
STAMP = (2026, 1, 1, 0, 0, 0)  # fixed document dates: the same layout gives the same bytes

PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(25), Mm(22), Mm(25), Mm(20)
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
LABEL_W = Mm(48)
ROW_H = Mm(6.5)  # rows at least this high: room to write by hand in the blank forms

GREY = RGBColor(0x80, 0x80, 0x80)
NOTE_GREY = RGBColor(0x59, 0x59, 0x59)
BLACK = RGBColor(0, 0, 0)
LABEL_FILL = "F2F2F2"
HEADER_FILL = "D9D9D9"

# style names (kept in English so code and Word's style list agree across UI languages)
CELL, LABEL, KEY, TABLE_TITLE, NOTE, GAP = "Form Cell", "Form Label", "Form Key", "Form Table Title", "Form Note", "Form Gap"
SPACER = "Form Spacer"
FORM_TITLE, COVER_TITLE, COVER_NAME, PICTURE, CAPTION = "Form Title", "Cover Title", "Cover Name", "Form Picture", "Form Caption"
TOC1 = "toc 1"


# ------------------------------------------------------------------ styles


def _para_style(doc: Document, name: str, size: float, heading: bool = False, base: str = "Normal") -> ParagraphStyle:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    style.base_style = doc.styles[base]
    style.quick_style = True
    style.font.size = Pt(size)
    typography.set_fonts(style.element.get_or_add_rPr(), *(typography.HEADING_FONTS if heading else typography.BODY_FONTS))
    return style


def _no_theme_colour(style: ParagraphStyle | CharacterStyle, rgb: RGBColor) -> None:
    style.font.color.rgb = rgb
    color = style.element.rPr.find(qn("w:color")) if style.element.rPr is not None else None
    if color is not None:
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attr), None)


def make_styles(doc: Document) -> None:
    normal = doc.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.size = Pt(10.5)  # 五号
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.15
    for name, size, before, after in (("Heading 1", 14, 14, 6), ("Heading 2", 12, 10, 4)):
        h = doc.styles[name]
        assert isinstance(h, ParagraphStyle)
        h.font.size = Pt(size)
        h.font.bold = True
        h.paragraph_format.space_before = Pt(before)
        h.paragraph_format.space_after = Pt(after)
        h.paragraph_format.keep_with_next = True
        _no_theme_colour(h, BLACK)
    s = _para_style(doc, FORM_TITLE, 18, heading=True)
    s.font.bold = True
    s.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    s.paragraph_format.space_after = Pt(6)
    s = _para_style(doc, COVER_TITLE, 26, heading=True)
    s.font.bold = True
    s.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    s.paragraph_format.space_before = Pt(120)
    s.paragraph_format.space_after = Pt(36)
    s = _para_style(doc, COVER_NAME, 22, heading=True)
    s.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    s.paragraph_format.space_after = Pt(72)
    s = _para_style(doc, TABLE_TITLE, 10.5, heading=True)
    s.paragraph_format.space_before = Pt(8)
    s.paragraph_format.space_after = Pt(3)
    s.paragraph_format.keep_with_next = True
    s = _para_style(doc, CELL, 9)
    s.paragraph_format.line_spacing = 1.0
    s = _para_style(doc, LABEL, 9, base=CELL)
    s = _para_style(doc, NOTE, 9)
    s.font.color.rgb = NOTE_GREY
    s.paragraph_format.space_before = Pt(4)
    s.paragraph_format.space_after = Pt(4)
    s = _para_style(doc, GAP, 9)
    s.paragraph_format.space_before = Pt(2)
    s = _para_style(doc, SPACER, 5)
    s.paragraph_format.line_spacing = 1.0
    s = _para_style(doc, PICTURE, 10.5)
    s.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    s.paragraph_format.space_before = Pt(8)
    s.paragraph_format.keep_with_next = True
    s = _para_style(doc, CAPTION, 9)
    s.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    s.paragraph_format.space_after = Pt(8)
    s = _para_style(doc, TOC1, 10.5)
    s.paragraph_format.space_after = Pt(4)
    s.paragraph_format.tab_stops.add_tab_stop(TEXT_W)
    key = doc.styles.add_style(KEY, WD_STYLE_TYPE.CHARACTER)
    assert isinstance(key, CharacterStyle)
    key.font.size = Pt(7)
    key.font.color.rgb = GREY
    typography.set_fonts(key.element.get_or_add_rPr(), *typography.KEY_FONTS)
    for name in ("Header", "Footer"):
        hf = doc.styles[name]
        assert isinstance(hf, ParagraphStyle)
        hf.font.size = Pt(9)
        hf.font.color.rgb = NOTE_GREY
    typography.chinese_styles(doc)


def setup_page(doc: Document, form: Form) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = section.footer_distance = Mm(12)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run(form.header)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE", "1")
    footer.add_run(" 页　共 ")
    _field(footer, "NUMPAGES", "1")
    footer.add_run(" 页")
    if any(isinstance(b, Cover) for b in form.blocks):
        section.different_first_page_header_footer = True  # no header or page number on the cover


def _field(p: Paragraph, instr: str, cached: str) -> None:
    """A complex field (PAGE, NUMPAGES, TOC …) in ``p`` with ``cached`` as its last result."""
    for xml in (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {nsdecls("w")}><w:t>{cached}</w:t></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        p._p.append(parse_xml(xml))


# ------------------------------------------------------------------ blocks


# w:shd's place in w:tcPr: before these (ECMA-376 CT_TcPr sequence)
_AFTER_SHD = tuple(
    qn(t) for t in ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers")
)


def _shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    later = next((c for c in tcpr if c.tag in _AFTER_SHD), None)
    if later is not None:
        later.addprevious(shd)
    else:
        tcpr.append(shd)


def _label(p: Paragraph, label: str, key: str | None) -> None:
    """``label key``: the Chinese label, a space, the YAML key path as a small grey run."""
    p.add_run(label)
    if key:
        p.add_run(" ")
        p.add_run(key, style=KEY)


def _widths(table: DocxTable, widths: Sequence[int]) -> None:
    table.autofit = False  # w:tblLayout fixed: the widths below hold in Word, WPS and LibreOffice
    for col, w in zip(table.columns, widths, strict=True):
        col.width = w
    for row in table.rows:
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = w


def _cell_text(cell: _Cell, text: str, style: str = CELL) -> Paragraph:
    p: Paragraph = cell.paragraphs[0]
    p.style = style
    if text:
        p.add_run(text)
    return p


def _spacer(doc: Document) -> None:
    """A small empty paragraph after each table: two tables in a row would merge into one
    when the form is edited in Word, and a field table must not follow a list's title."""
    doc.add_paragraph(style=SPACER)


def add_fields(doc: Document, form: Form, block: Fields, width: int = TEXT_W) -> DocxTable:
    table: DocxTable = doc.add_table(rows=len(block.rows), cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, f in zip(table.rows, block.rows, strict=True):
        row.height, row.height_rule = ROW_H, WD_ROW_HEIGHT_RULE.AT_LEAST
        label, value = row.cells
        _label(_cell_text(label, "", LABEL), f.label, f.key)
        _shade(label, LABEL_FILL)
        label.vertical_alignment = value.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        expr = expr_of(form, f)
        _cell_text(value, f"{{{{ {expr} }}}}" if expr else f.static)
    _widths(table, [LABEL_W, width - LABEL_W])
    _spacer(doc)
    return table


def add_table(doc: Document, form: Form, block: Table) -> None:
    title = doc.add_paragraph(style=TABLE_TITLE)
    _label(title, block.title, block.key)
    cols = block.columns
    table = doc.add_table(rows=4, cols=len(cols))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, start, data, end = table.rows
    for cell, col in zip(header.cells, cols, strict=True):
        _label(_cell_text(cell, "", LABEL), col.label, col.key)
        _shade(cell, HEADER_FILL)
    trpr = header._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:tblHeader"))  # repeat the header row on each page
    _cell_text(start.cells[0], f"{{%tr for row in {form.root}.{block.key} %}}")
    data.height, data.height_rule = ROW_H, WD_ROW_HEIGHT_RULE.AT_LEAST
    for cell, col in zip(data.cells, cols, strict=True):
        _cell_text(cell, f"{{{{ row.{col.key} }}}}")
    _cell_text(end.cells[0], "{%tr endfor %}")
    total = sum(c.width for c in cols)
    widths = [int(TEXT_W * c.width / total) for c in cols]
    _widths(table, widths)
    _spacer(doc)


def add_lines(doc: Document, block: Lines) -> None:
    doc.add_paragraph(f"{{%p for line in {block.expr} %}}", style=GAP)
    doc.add_paragraph("{{ line }}", style=GAP)
    doc.add_paragraph("{%p endfor %}", style=GAP)


def add_pictures(doc: Document, block: Pictures) -> None:
    doc.add_paragraph(f"{{%p for pic in {block.expr} %}}", style=PICTURE)
    doc.add_paragraph("{{ pic.picture }}", style=PICTURE)
    doc.add_paragraph("{{ pic.caption }}", style=CAPTION)
    doc.add_paragraph("{%p endfor %}", style=CAPTION)


def add_cover(doc: Document, form: Form, block: Cover) -> None:
    doc.add_paragraph(block.title, style=COVER_TITLE)
    doc.add_paragraph(f"{{{{ {block.name_expr} }}}}", style=COVER_NAME)
    add_fields(doc, form, block.fields, width=Mm(120))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _bookmark(p: Paragraph, n: int, name: str) -> None:
    p._p.insert(1 if p._p.pPr is not None else 0, parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{n}" w:name="{name}"/>'))
    p._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{n}"/>'))


def add_contents(doc: Document, headings: Sequence[str]) -> None:
    """A TOC field whose cached result lists the headings (linked to bookmarks on them) without
    page numbers: Word and WPS rebuild it with page numbers when the document opens
    (``w:updateFields``); LibreOffice shows the cached list until Tools ▸ Update is run."""
    doc.add_paragraph("目　录", style=FORM_TITLE)
    for i, text in enumerate(headings):
        p = doc.add_paragraph(style=TOC1)
        if i == 0:
            for xml in (
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>',
                f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
            ):
                p._p.append(parse_xml(xml))
        link = parse_xml(f'<w:hyperlink {nsdecls("w")} w:anchor="_Toc_kb_{i + 1}" w:history="1"/>')
        run = OxmlElement("w:r")
        t = OxmlElement("w:t")
        t.text = text
        run.append(t)
        link.append(run)
        p._p.append(link)
        if i == len(headings) - 1:
            p._p.append(parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'))
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


FONT_TABLE = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:fonts {nsdecls("w")}>
<w:font w:name="Times New Roman"><w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/>\
<w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="Arial"><w:panose1 w:val="020B0604020202020204"/><w:charset w:val="00"/>\
<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="SimSun"><w:altName w:val="宋体"/><w:panose1 w:val="02010600030101010101"/><w:charset w:val="86"/>\
<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>
<w:font w:name="SimHei"><w:altName w:val="黑体"/><w:panose1 w:val="02010609060101010101"/><w:charset w:val="86"/>\
<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>
<w:font w:name="Symbol"><w:charset w:val="02"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
</w:fonts>
"""


def clean_package(doc: Document) -> None:
    """Leave out what python-docx's default template carries and a Chinese form does not want:
    its font table (Japanese fallback fonts; ours names 宋体/黑体 with the GB2312 charset),
    the Word 2010 ``stylesWithEffects`` copy of the styles (still with theme fonts) and the
    thumbnail picture of an empty page."""
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/fontTable"):
            rel.target_part._blob = FONT_TABLE.encode("utf-8")
        elif rel.reltype.endswith("/stylesWithEffects"):
            doc.part.drop_rel(rid)
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package_rels.pop(rid)


def prune_table_styles(doc: Document) -> None:
    """Keep the two table styles the forms use; python-docx's template brings a hundred more
    (three quarters of styles.xml). Word and WPS still offer their built-in ones."""
    for style in list(doc.styles):
        if style.type == WD_STYLE_TYPE.TABLE and style.name not in ("Normal Table", "Table Grid"):
            style.delete()


def build(form: Form) -> Document:
    doc = new_document()
    clean_package(doc)
    prune_table_styles(doc)
    make_styles(doc)
    setup_page(doc, form)
    body = doc.element.body
    for p in list(body.iterfind(qn("w:p"))):  # python-docx's template starts with an empty paragraph
        body.remove(p)
    if not any(isinstance(b, Cover) for b in form.blocks):
        doc.add_paragraph(f"《{form.title}》", style=FORM_TITLE)
    toc_headings = [b.text for b in form.blocks if isinstance(b, Heading) and b.level == 1]
    has_toc = any(isinstance(b, Contents) for b in form.blocks)
    n_heading = 0
    for block in form.blocks:
        if isinstance(block, Heading):
            p = doc.add_paragraph(block.text, style=f"Heading {block.level}")
            p.paragraph_format.page_break_before = block.page_break or None
            if has_toc and block.level == 1:
                n_heading += 1
                _bookmark(p, n_heading, f"_Toc_kb_{n_heading}")
        elif isinstance(block, Fields):
            add_fields(doc, form, block)
        elif isinstance(block, Table):
            add_table(doc, form, block)
        elif isinstance(block, Note):
            doc.add_paragraph(block.text, style=NOTE)
        elif isinstance(block, Lines):
            add_lines(doc, block)
        elif isinstance(block, Pictures):
            add_pictures(doc, block)
        elif isinstance(block, Cover):
            add_cover(doc, form, block)
        elif isinstance(block, Contents):
            add_contents(doc, toc_headings)
    props = doc.core_properties
    props.title = form.title
    props.subject = "《工程运维部-专属工程师管理办法》V4"
    props.author = props.last_modified_by = "kb"
    props.language = "zh-CN"
    props.comments = ""
    props.revision = 1
    props.created = props.modified = dt.datetime(*STAMP)
    # Runs get no fonts of their own here: they take them from the styles, so restyling a
    # template in Word or WPS carries through; the renderer writes the resolved fonts onto
    # every run of each form (typography.chinese_runs).
    return doc


def template_bytes(form: Form) -> bytes:
    buf = io.BytesIO()
    build(form).save(buf)
    return normalize_package(buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default: {OUT.relative_to(REPO)})")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for form in (*FORMS.values(), REPORT_FORM):  # the monthly report's template is made the same way
        path = args.out / form.template
        path.write_bytes(template_bytes(form))
        print(f"{path}  《{form.title}》")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
