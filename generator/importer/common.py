"""Constants, patterns and the result types shared by the importer's stages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..finding import Lang, Msg

SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/client.schema.json"
MISSING = "【缺】"
REQUIRED = ("id", "name", "status")
MAX_BYTES = 20 * 1024 * 1024  # a form is text and a few pictures
SHORT_ITEM = 10  # a one-line text list is split at ，、； only when every part is this short (names, roles)
MAX_UNZIPPED = 200 * 1024 * 1024  # refuse zip bombs before python-docx inflates them

_KEY = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*\Z")
_EMPTY = frozenset({"", "—", "——", "-", "–", "/", "／"})  # "nothing" where a number, date or choice goes
_FORM_NONE = frozenset({"", "—"})  # what the forms write for "no value" (render/form_context.NONE)
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\Z")
_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)(万)?(元|人民币|mbps|mb|m|gbps|gb|g|分钟|min|小时|h|个|%)?\Z", re.I)
_NUMBERED = re.compile(r"\s*(\d+)\s*[.、)）]\s*")
_BULLET = re.compile(r"\s*[•·▪◦\-*]\s+")
_CHECKED = "☑☒✔✓■√"
_CODED = re.compile(r"([^\s（(]+)\s*[（(].*[）)]\Z", re.S)
_SITE_REFS = (("applications", "site"), ("lines", "a"), ("lines", "b"))
_ENGINEER_REFS = (("assignment", "engineer"), ("assignment", "backup"))
# Chinese names the forms, the site or people use for enum values, beside those in the schema
_ALIAS_TEXT = """专属服务中=dedicated 专属=dedicated 已申请=applied 申请中=applied 候选=candidate
    临时优先级=temporary-priority 已退出=exited 铂金（重保）=platinum 重保=platinum 金牌=gold 银牌=silver
    核心站点=core 核心=core 分支=branch 云=cloud 技术层=technical 业务层=business 决策层=decision
    同意=approved 不通过=rejected 未通过=rejected 不同意=rejected 月度=monthly 每月=monthly
    季度=quarterly 每季度=quarterly"""
_ALIASES = dict(pair.split("=") for pair in _ALIAS_TEXT.split())


@dataclass(frozen=True)
class Problem:
    """Something the importer could not read: a message in both languages and where
    (the key path when known, e.g. ``applications[1].ports``; the message names the place
    in the document)."""

    zh: str
    en: str
    where: str = ""

    def __call__(self, lang: Lang) -> str:
        text = self.en if lang == "en" else self.zh
        return f"{self.where}: {text}" if self.where else text

    def render(self, lang: Lang) -> str:
        """One line for the command's output: ``where: message``."""
        return self(lang)

    @property
    def message(self) -> Msg:
        return Msg(self.zh, self.en)


@dataclass(frozen=True)
class ImportResult:
    """The dossier data read from a form, what could not be read, and every key path the
    form carries (``carried``: dotted paths of its fields and list keys of its tables,
    filled or not) — with ``--force`` those replace the dossier's, the rest is kept."""

    data: dict[str, Any]
    problems: list[Problem]
    carried: frozenset[str] = frozenset()
