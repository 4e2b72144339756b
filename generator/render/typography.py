"""Chinese typography for Word documents, shared by the form-template builder and the renderer.

python-docx's ``font.name`` sets only the Latin font: Chinese text needs ``w:eastAsia`` on
``w:rFonts``, and the theme-font attributes (``w:asciiTheme``, ``w:eastAsiaTheme`` …) that
python-docx's built-in styles carry win over explicit names until they are removed
(FIELD-NOTES "Word"). So:

* :func:`chinese_styles` gives the document defaults and every style explicit Latin and East
  Asian fonts (黑体 SimHei for titles and headings, 宋体 SimSun for the rest), drops the theme
  attributes everywhere in the styles and the numbering, and sets the language to ``zh-CN`` —
  the template builder runs it once;
* :func:`chinese_runs` gives every run of the body, headers and footers the fonts its style
  resolves to (so restyling a template in Word or WPS still carries through) — the renderer
  runs it on each rendered form, so text that docxtpl inserted is covered too.
"""

from __future__ import annotations

from collections.abc import Iterator

from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.styles import CT_Style
from docx.oxml.text.font import CT_RPr
from docx.oxml.text.run import CT_R
from docx.oxml.xmlchemy import BaseOxmlElement

# (Latin, East Asian). 宋体 and 黑体 by their English names, which Word and WPS resolve to the
# same fonts and LibreOffice's substitution table maps to a serif / sans Simplified-Chinese
# face (with "宋体" it falls back to a sans face).
BODY_FONTS = ("Times New Roman", "SimSun")
HEADING_FONTS = ("Arial", "SimHei")
KEY_FONTS = ("Arial", "SimSun")  # the grey YAML key after each label
FONT_ATTRS = ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")

# Built-in styles drawn in 黑体 (the builder names the fonts of its own styles itself).
_HEADING_PREFIXES = ("Title", "Subtitle", "Heading", "TOC Heading")


def _child(parent: BaseOxmlElement, tag: str, first: bool = False) -> BaseOxmlElement:
    """``parent``'s ``tag`` child, created when missing (as the first child if asked)."""
    found: BaseOxmlElement | None = parent.find(qn(tag))
    if found is not None:
        return found
    made: BaseOxmlElement = OxmlElement(tag)
    if first:
        parent.insert(0, made)
    else:
        parent.append(made)
    return made


def _rpr(parent: BaseOxmlElement) -> CT_RPr:
    """The ``w:rPr`` of a run, a style or ``w:rPrDefault``, created in schema order."""
    if isinstance(parent, CT_R | CT_Style):
        return parent.get_or_add_rPr()
    rpr = _child(parent, "w:rPr")
    assert isinstance(rpr, CT_RPr)
    return rpr


def set_fonts(rpr: CT_RPr, latin: str, east_asian: str, overwrite: bool = True) -> None:
    """Explicit fonts on ``rpr``'s ``w:rFonts`` (without theme attributes)."""
    fonts = rpr.get_or_add_rFonts()
    for attr in THEME_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr, value in zip(FONT_ATTRS, (latin, latin, east_asian, latin), strict=True):
        if overwrite or fonts.get(qn(attr)) is None:
            fonts.set(qn(attr), value)


# w:lang's place in w:rPr: before these (ECMA-376 CT_RPr sequence)
_AFTER_LANG = tuple(qn(t) for t in ("w:eastAsianLayout", "w:specVanish", "w:oMath", "w:rPrChange"))


def set_language(rpr: CT_RPr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        later = next((c for c in rpr if c.tag in _AFTER_LANG), None)
        if later is not None:
            later.addprevious(lang)
        else:
            rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _is_heading(style: BaseOxmlElement) -> bool:
    name = style.find(qn("w:name"))
    text = name.get(qn("w:val")) if name is not None else ""
    return (text or "").lower().startswith(tuple(p.lower() for p in _HEADING_PREFIXES))


def chinese_styles(doc: Document) -> None:
    """Document defaults and every style: explicit Latin + East Asian fonts, no theme fonts,
    ``zh-CN``. Fonts a style already names (other than theme ones) are kept, so a template a
    person restyled keeps its choices."""
    styles = doc.styles.element
    defaults = _child(_child(styles, "w:docDefaults", first=True), "w:rPrDefault", first=True)
    rpr = _rpr(defaults)
    set_fonts(rpr, *BODY_FONTS)
    set_language(rpr)
    for style in styles.iterfind(qn("w:style")):
        if style.get(qn("w:type")) == "numbering":
            continue
        rpr = _rpr(style)
        fonts = HEADING_FONTS if _is_heading(style) else BODY_FONTS
        existing = rpr.find(qn("w:rFonts"))
        named = existing is not None and existing.get(qn("w:eastAsia")) is not None
        set_fonts(rpr, *fonts, overwrite=not named)
        set_language(rpr)
    # what remains — the conditional formats of table styles, list levels — gets the body fonts
    latin, east_asian = BODY_FONTS
    for root in (styles, doc.part.numbering_part.element):
        for fonts in root.iter(qn("w:rFonts")):
            for attr in THEME_ATTRS:
                fonts.attrib.pop(qn(attr), None)
            for attr, value in zip(FONT_ATTRS, (latin, latin, east_asian, latin), strict=True):
                if not fonts.get(qn(attr)):
                    fonts.set(qn(attr), value)
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


class _Resolver:
    """The fonts styles name explicitly, through ``w:basedOn`` (nearest wins)."""

    def __init__(self, doc: Document) -> None:
        styles = doc.styles.element
        self.by_id = {s.get(qn("w:styleId")): s for s in styles.iterfind(qn("w:style"))}
        self.default_para = next(
            (
                s.get(qn("w:styleId"))
                for s in styles.iterfind(qn("w:style"))
                if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) in ("1", "true")
            ),
            None,
        )
        base = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        self.base = dict.fromkeys(FONT_ATTRS, BODY_FONTS[0]) | {"w:eastAsia": BODY_FONTS[1]} | _named(base)
        self.cache: dict[str | None, dict[str, str]] = {}

    def own(self, style_id: str | None, depth: int = 0) -> dict[str, str]:
        """The fonts ``style_id`` and the styles it is based on name (not the defaults)."""
        if style_id in self.cache:
            return self.cache[style_id]
        style = self.by_id.get(style_id)
        if style is None or depth > 20:
            return {}
        based = style.find(qn("w:basedOn"))
        parent = self.own(based.get(qn("w:val")) if based is not None else None, depth + 1)
        out = parent | _named(style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}"))
        self.cache[style_id] = out
        return out


def _named(fonts: BaseOxmlElement | None) -> dict[str, str]:
    if fonts is None:
        return {}
    return {attr: value for attr in FONT_ATTRS if (value := fonts.get(qn(attr)))}


def _parts(doc: Document) -> Iterator[BaseOxmlElement]:
    """The body, then each header and footer — read through the relationships, since docxtpl
    replaces the header and footer parts when it renders them."""
    yield doc.element.body
    for rel in doc.part.rels.values():
        if not rel.is_external and rel.reltype.endswith(("/header", "/footer")):
            element = getattr(rel.target_part, "element", None)
            if element is not None:
                yield element


_P, _R, _VAL = qn("w:p"), qn("w:r"), qn("w:val")
_PSTYLE = f"{qn('w:pPr')}/{qn('w:pStyle')}"
_RSTYLE = f"{qn('w:rPr')}/{qn('w:rStyle')}"
_RFONTS = f"{qn('w:rPr')}/{qn('w:rFonts')}"
_FONT_QN = [(a, qn(a)) for a in FONT_ATTRS]
_THEME_QN = [qn(a) for a in THEME_ATTRS]


_RPR, _RSTYLE_TAG = qn("w:rPr"), qn("w:rStyle")


def _new_rfonts(r: BaseOxmlElement) -> BaseOxmlElement:
    """A run's new ``w:rFonts``, placed as the schema wants (first in ``w:rPr``, after a
    ``w:rStyle``) — without python-docx's generic successor search, which dominates a render."""
    rpr = r.find(_RPR)
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        r.insert(0, rpr)
    rf: BaseOxmlElement = OxmlElement("w:rFonts")
    if len(rpr) and rpr[0].tag == _RSTYLE_TAG:
        rpr[0].addnext(rf)
    else:
        rpr.insert(0, rf)
    return rf


def _style_of(el: BaseOxmlElement, path: str) -> str | None:
    found = el.find(path)
    return found.get(_VAL) if found is not None else None


def chinese_runs(doc: Document) -> None:
    """Every run in the body, headers and footers: explicit fonts as its character and
    paragraph styles resolve them (East Asian included), and no theme attributes."""
    resolve = _Resolver(doc)
    for part in _parts(doc):
        for p in part.iter(_P):
            para = resolve.base | resolve.own(_style_of(p, _PSTYLE) or resolve.default_para)
            for r in p.iter(_R):
                rf = r.find(_RFONTS)
                if (
                    rf is not None
                    and all(rf.get(q) for _, q in _FONT_QN)
                    and not any(q in rf.attrib for q in _THEME_QN)
                ):
                    continue  # already explicit (the builder's runs; docxtpl copies their properties)
                char_style = _style_of(r, _RSTYLE)
                fonts = para | resolve.own(char_style) if char_style else para
                if rf is None:
                    rf = _new_rfonts(r)
                for q in _THEME_QN:
                    rf.attrib.pop(q, None)
                for attr, q in _FONT_QN:
                    if not rf.get(q):
                        rf.set(q, fonts[attr])
