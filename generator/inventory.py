"""The §10.4 第一步 inventory (全面盘点与评估) as skeleton dossiers: rows in, files and findings out.

The ops manager's spreadsheet lists the existing "准专属服务" relationships, one a row:
client name and id, account manager and phone, the engineer serving it today, the monthly
contract amount, the class A/B/C and the day it was assessed, a note. Each good row becomes a
``clients/<id>/client.yml`` skeleton (status ``dedicated``: the relationship exists today)
holding what the row says, every other key the policy asks for left empty so that ``kb
check`` lists it as ``todo``; each engineer not yet known gets an ``engineers/<id>.yml``
skeleton (:func:`generator.scaffold.engineer`, the one ``kb new engineer`` writes).

Nothing here reads or writes files: :func:`plan` takes the table's rows and what the KB
already holds, and returns the files to write and one finding per problem at its row's line.
A row with an error is not written (fix the sheet and import again: what was written is kept,
never overwritten); a warning's row is written with the doubtful value left to fill in.

Decisions (README "kb import inventory"):

- 客户ID, when given, must be a slug; one that is not is an error (the row is not written) with
  a proposal. An empty 客户ID (or no such column) takes the name's pinyin (华兴物流集团 →
  hua-xing-wu-liu-ji-tuan, :func:`slug_from`) with a warning: rename the folder before the
  first commit if another id reads better.
- 现服务工程师 is an engineer id (``zhang-wei``), a name with its id (``张伟（zhang-wei）``), or a
  name: one an existing engineer file holds is that engineer; an unknown one gets the pinyin
  id the example KB's engineers follow (张伟 → zhang-wei), said as an info. Surnames read
  differently from the common reading (曾 zeng, 单 shan) come out as pinyin reads them: the
  info names the id, and writing 姓名（id） in the sheet decides it.
- A client already in the KB (same id, or the same name under another id) is not written:
  ``info`` for the same id (a second run), a warning for the same name.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .finding import Finding, Msg, Severity
from .formats import is_date, is_phone, is_slug
from .importer.table import Row, Value, parse_number
from .scaffold import Spec, engineer, path_of, render
from .schemas import SchemaSet

RULE = "inventory"
# Our key → the column the spreadsheet names it by; policy.yml inventory.columns overrides
# (the defaults are declared once, in the policy schema).
KEYS = (
    "name",
    "id",
    "account_manager",
    "account_manager_phone",
    "engineer",
    "monthly_contract_cny",
    "class",
    "tier",
    "assessed_on",
    "since",
    "notes",
)
REQUIRED = ("name", "class")
_MAX_ID = 64
_TIERS = {"platinum": "platinum", "铂金": "platinum", "重保": "platinum", "gold": "gold", "金": "gold", "金牌": "gold",
          "silver": "silver", "银": "silver", "银牌": "silver"}
_CLASS = re.compile(r"^\s*([ABCabc])\s*(?:类.*|[（(].*)?$")
_ENGINEER = re.compile(r"^\s*(?P<name>[^()（）]*?)\s*[（(]\s*(?P<id>[^()（）]+?)\s*[)）]\s*$")
# a day; Excel's CSV export may add a midnight time ("2025/8/15 0:00")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Known:
    """What the KB already holds: client ids and names, engineer ids and names."""

    clients: Mapping[str, str] = field(default_factory=dict)  # id → name
    engineers: Mapping[str, str] = field(default_factory=dict)  # id → name


@dataclass(frozen=True)
class Planned:
    """One file to write: KB-relative path, its text, and the spreadsheet line it comes from."""

    path: str
    text: str
    line: int
    summary: Msg


@dataclass
class Plan:
    files: list[Planned] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def plan(
    rows: Sequence[Row],
    source: str,
    known: Known,
    schemas: SchemaSet,
    schema_ref: Mapping[str, str],
    *,
    site_kinds: Sequence[str] = (),
    contact_levels: Sequence[str] = (),
    today: dt.date | None = None,
) -> Plan:
    """The files the inventory rows become and the problems found, each at its line.
    ``schema_ref`` maps a kind (client, engineer) to its modeline path from that kind's folder."""
    out = Plan()
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    new_engineers: dict[str, tuple[str, int]] = {}  # id → (name, line)
    by_name = _names(known.engineers)

    for row in rows:
        problems: list[Finding] = []

        def bad(zh: str, en: str, hint_zh: str = "", hint_en: str = "", severity: Severity = Severity.ERROR) -> None:
            problems.append(Finding(source, row.line, 1, RULE, severity, Msg(zh, en), Msg(hint_zh, hint_en)))  # noqa: B023

        v = row.values
        name = _text(v.get("name"))
        cid = _text(v.get("id"))
        if not name:
            bad("客户名称为空：这一行未导入。", "The client name is empty: row not imported.")
        if not cid and name:
            cid = slug_from(name)
            if cid:
                bad(f"客户ID为空：按客户名称的拼音取 {cid}。", f"No client id: {cid}, from the name's pinyin.",
                    "要用别的 ID（如 hx-logistics），在表中填写客户ID，或在首次提交前给文件夹改名并改 id。",
                    "For another id (e.g. hx-logistics) fill in the id column, or rename the folder and its id before the first commit.",
                    severity=Severity.WARNING)
            else:
                bad("客户ID为空，也无法从客户名称得出：这一行未导入。", "No client id, and none can be made from the name: row not imported.")
        elif cid and not (is_slug(cid) and len(cid) <= _MAX_ID):
            guess = re.sub(r"[^a-z0-9]+", "-", cid.lower()).strip("-")[:_MAX_ID].strip("-")
            near = guess if guess and is_slug(guess) else slug_from(cid)
            bad(f"客户ID“{cid}”不可用：须是小写字母、数字和连字符，以字母或数字开头，最多 {_MAX_ID} 个字符；这一行未导入。",
                f"The client id '{cid}' cannot be used: lowercase letters, digits and hyphens, at most {_MAX_ID}; row not imported.",
                f"改为 {near}（或另取一个，如 hx-logistics）。" if near else "请为客户取一个 ID，如 hx-logistics。",
                f"Use {near} (or another, e.g. hx-logistics)." if near else "Choose an id, e.g. hx-logistics.")
            cid = None
        if cid and cid in seen_ids:
            bad(f"客户ID“{cid}”重复：第 {seen_ids[cid]} 行已有；这一行未导入。",
                f"Duplicate client id '{cid}': already on line {seen_ids[cid]}; row not imported.")
        elif name and name in seen_names:
            bad(f"客户“{name}”重复：第 {seen_names[name]} 行已有；这一行未导入。",
                f"Duplicate client '{name}': already on line {seen_names[name]}; row not imported.")
        if cid:
            seen_ids.setdefault(cid, row.line)
        if name:
            seen_names.setdefault(name, row.line)

        klass = _class(v.get("class"))
        if klass is None:
            shown = _text(v.get("class")) or ""
            bad(f"分类“{shown}”不是 A、B 或 C：这一行未导入。" if shown else "分类为空：须为 A、B 或 C（§10.4）；这一行未导入。",
                f"The class '{shown}' is not A, B or C: row not imported." if shown else "The class is empty: A, B or C (§10.4); row not imported.",
                "A 类完全符合，B 类需要调整，C 类不再符合（§10.4 第二步）。", "A fully meets, B needs adjusting, C no longer meets (§10.4 step 2).")
        amount = _amount(v.get("monthly_contract_cny"), bad)
        assessed = _day(v.get("assessed_on"), bad, today, "评估日期", "assessment date")
        since = _day(v.get("since"), bad, today, "服务开始日期", "service start date")
        tier_text = _text(v.get("tier"))
        tier = _TIERS.get(tier_text.lower()) if tier_text else None
        if tier_text and tier is None:
            bad(f"级别“{tier_text}”不是 platinum（铂金）、gold（金）或 silver（银）：这一行未导入。",
                f"The tier '{tier_text}' is not platinum, gold or silver: row not imported.")
        phone = _text(v.get("account_manager_phone"))
        if phone and not is_phone(phone):
            bad(f"客户经理电话“{phone}”不是手机、座机或 400 号码：档案中留空待填写。",
                f"The account manager phone '{phone}' is not a mobile, landline or 400 number: left empty in the dossier.",
                severity=Severity.WARNING)
            phone = None
        eng_id, eng_name = _engineer(_text(v.get("engineer")), by_name, known.engineers, new_engineers, bad)

        if cid and name and not any(p.severity is Severity.ERROR for p in problems):
            rel = path_of("client", cid)
            if cid in known.clients:
                bad(f"{rel} 已存在，未覆盖（客户“{known.clients[cid]}”）。", f"{rel} already exists; not overwritten.",
                    severity=Severity.INFO)
            elif (same := next((k for k, n in known.clients.items() if n == name), None)) is not None:
                bad(f"已有同名客户“{name}”的档案 clients/{same}/，与客户ID“{cid}”不同：这一行未导入。",
                    f"A client named '{name}' already exists as clients/{same}/, not '{cid}': row not imported.",
                    f"确认是同一客户时把表中的客户ID改为 {same}。", f"If it is the same client, use the id {same}.",
                    severity=Severity.WARNING)
            else:
                if eng_id and eng_id not in known.engineers and eng_id not in new_engineers:
                    new_engineers[eng_id] = (eng_name or eng_id, row.line)
                text = _dossier(schemas, schema_ref["client"], cid, name, klass or "", row.line, source, v,
                                tier=tier, amount=amount, assessed=assessed, since=since, phone=phone, engineer_id=eng_id,
                                site_kinds=site_kinds, contact_levels=contact_levels)
                out.files.append(Planned(rel, text, row.line, Msg(f"{name}，{klass} 类", f"{name}, class {klass}")))
        out.findings.extend(problems)

    for eid, (ename, line) in new_engineers.items():
        text = engineer(schemas, schema_ref["engineer"], eid, ename)
        out.files.append(Planned(path_of("engineer", eid), text, line, Msg(f"工程师 {ename}", f"engineer {ename}")))
    return out


# ------------------------------------------------------------------ one dossier


def _dossier(
    schemas: SchemaSet,
    ref: str,
    cid: str,
    name: str,
    klass: str,
    line: int,
    source: str,
    v: Mapping[str, Value],
    *,
    tier: str | None,
    amount: int | None,
    assessed: str | None,
    since: str | None,
    phone: str | None,
    engineer_id: str | None,
    site_kinds: Sequence[str],
    contact_levels: Sequence[str],
) -> str:
    """A dedicated client's dossier: the row's values, and every key the policy asks of a
    dedicated client left empty (a to-do for kb check). B and C classes get an empty plan."""
    transition: dict[str, Any] = {"class": klass, "assessed_on": assessed}
    if klass in ("B", "C"):
        transition["plan"] = None
    spec: Spec = {
        "id": cid,
        "name": name,
        "status": "dedicated",
        "tier": tier,
        "account_manager": {"name": _text(v.get("account_manager")), "email": None, "phone": phone},
        "criteria": {
            "monthly_contract_cny": amount,
            **dict.fromkeys(("monthly_margin_cny", "brand_value", "complex_environment", "high_sla")),
        },
        "business": dict.fromkeys(("main_business", "business_model", "scenarios", "peak_periods")),
        "sites": [{"id": None, "name": None, "kind": k} for k in (site_kinds or (None,))],
        "applications": [dict.fromkeys(("name", "site", "ip", "domain", "ports", "impact"))],
        "contacts": [{"name": None, "level": lv, "phone": None, "duties": None} for lv in (contact_levels or (None,))],
        "contract": {
            **dict.fromkeys(("number", "start", "end", "service_level")),
            "sla": dict.fromkeys(("response_minutes", "onsite_hours", "restore_hours")),
        },
        "pain_points": {"history": [{"date": None, "summary": None}], "communication": None, "expectations": None},
        "knowledge_base": dict.fromkeys(
            ("special_notes", "service_catalog", "network_model", "typical_faults", "common_requests")
        ),
        # since: the day the relationship began; before the policy's effective date it is a
        # pre-existing one (§10.1), which needs no application (app.workflow) nor assigned_by
        "assignment": {"engineer": engineer_id, "backup": None, "since": since},
        "transition": transition,
    }
    notes = [
        f"由 kb import inventory 从 {_one_line(source)} 第 {line} 行导入（§10.4 第一步：全面盘点与评估）。",
        "criteria 中不适用的标准保持空（即 null）；B/C 类在 transition.plan 写调整方案或去向（§10.4 第二步）。",
    ]
    remark = _text(v.get("notes"))
    if remark:
        notes.append(f"盘点表备注：{_one_line(remark)}")
    return render(schemas, "client", ref, spec, notes)


# ------------------------------------------------------------------ cell values

Bad = Any  # the row's bad(...) reporter


def _text(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or an id typed as a number in Excel
    text = " ".join(unicodedata.normalize("NFKC", str(value)).split()) if not isinstance(value, str) else " ".join(value.split())
    return text or None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _class(value: Value) -> str | None:
    text = _text(value)
    if not text:
        return None
    m = _CLASS.match(unicodedata.normalize("NFKC", text))
    return m.group(1).upper() if m else None


def _amount(value: Value, bad: Bad) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    n = parse_number(value)
    if isinstance(n, Msg):
        bad(f"月合同金额无法识别：{n.zh}；这一行未导入。", f"The monthly contract amount is unreadable: {n.en}; row not imported.",
            "写成元为单位的数字，如 320000、32万 或 ¥320,000。", "Write a number of yuan, e.g. 320000, 32万 or ¥320,000.")
        return None
    if n < 0 or not float(n).is_integer():
        bad(f"月合同金额“{_text(value)}”应为不小于 0 的整数元：这一行未导入。",
            f"The monthly contract amount '{_text(value)}' must be whole yuan, not negative: row not imported.")
        return None
    return int(n)


def _day(value: Value, bad: Bad, today: dt.date | None, what: str, what_en: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date() if value.time() == dt.time() else None
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool) and 20000 <= value <= 80000 and float(value).is_integer():
        day = _EXCEL_EPOCH + dt.timedelta(days=int(value))  # a date cell formatted as General
    elif isinstance(value, str):
        m = _DATE.match(unicodedata.normalize("NFKC", value).strip())
        if m and is_date(f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"):
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if day is None:
        bad(f"{what}“{_text(value)}”无法识别：这一行未导入。", f"The {what_en} '{_text(value)}' is unreadable: row not imported.",
            "写成 2025-08-15、2025/8/15 或 2025年8月15日。", "Write 2025-08-15, 2025/8/15 or 2025年8月15日.")
        return None
    if today is not None and day > today:
        bad(f"{what} {day.isoformat()} 晚于今天（{today.isoformat()}）：这一行未导入。",
            f"The {what_en} {day.isoformat()} is after today ({today.isoformat()}): row not imported.")
        return None
    return day.isoformat()


def _names(engineers: Mapping[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for eid, name in engineers.items():
        out.setdefault(name, []).append(eid)
    return out


def _engineer(
    text: str | None,
    by_name: Mapping[str, list[str]],
    known: Mapping[str, str],
    new: Mapping[str, tuple[str, int]],
    bad: Bad,
) -> tuple[str | None, str | None]:
    """(engineer id, name) from the cell: an id, 姓名（id）, or a name a file (or an earlier row) holds."""
    if not text:
        return None, None
    m = _ENGINEER.match(text)
    name, eid = (m.group("name") or None, m.group("id")) if m else (None, text) if is_slug(text) else (text, None)
    if eid is not None and not (is_slug(eid) and len(eid) <= _MAX_ID):
        bad(f"现服务工程师的 ID“{eid}”不可用：须是小写字母、数字和连字符；档案中留空待填写。",
            f"The engineer id '{eid}' cannot be used (lowercase letters, digits, hyphens): left empty in the dossier.",
            severity=Severity.WARNING)
        return None, None
    if eid is None and name is not None:
        ids = list(by_name.get(name, ())) or [i for i, (n, _) in new.items() if n == name]
        if len(ids) == 1:
            return ids[0], name
        guess = slug_from(name) if not ids else None
        taken = guess is not None and (guess in known or guess in new)
        if guess and not taken:
            bad(f"现服务工程师“{name}”还没有档案：按拼音取 ID {guess}，新建 engineers/{guess}.yml。",
                f"The engineer '{name}' has no file yet: id {guess} from the pinyin, engineers/{guess}.yml is created.",
                f"要用别的 ID，在表中写成 {name}（ID）。", f"For another id write {name}(id) in the sheet.",
                severity=Severity.INFO)
            return guess, name
        why = "有多份同名档案" if ids else f"拼音 ID {guess} 已是另一位工程师的" if taken else "没有工程师档案"
        why_en = "has several files" if ids else f"the pinyin id {guess} is another engineer's" if taken else "has no file"
        bad(f"现服务工程师“{name}”{why}，无法确定工程师 ID：档案中 assignment.engineer 留空待填写。",
            f"The engineer '{name}' {why_en}: assignment.engineer left empty.",
            f"在表中写成 {name}（工程师ID），如 {name}（zhang-wei），再导入一次。",
            f"Write {name}(engineer-id) in the sheet and import again.",
            severity=Severity.WARNING)
        return None, name
    if eid is not None and name and eid in known and known[eid] != name:
        bad(f"工程师 {eid} 的档案写的是“{known[eid]}”，表中是“{name}”：按 ID 指派 {eid}。",
            f"engineers/{eid}.yml names '{known[eid]}', the sheet '{name}': assigned by id.",
            severity=Severity.WARNING)
    return eid, name


def slug_from(text: str) -> str | None:
    """An id from a name: its pinyin syllables (and any Latin words), lowercase, joined by
    hyphens, at most 64 characters; None when nothing usable is left."""
    from pypinyin import lazy_pinyin  # imported here: only an import needs its dictionaries

    words: list[str] = []
    for part in lazy_pinyin(unicodedata.normalize("NFKC", text)):
        words += re.findall(r"[a-z0-9]+", part.lower())
    slug = ""
    for w in words:
        if len(slug) + len(w) + (1 if slug else 0) > _MAX_ID:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug if slug and is_slug(slug) else None


def found_encoding(source: str, encoding: str | None) -> Finding | None:
    """GBK detected is said (an info at line 1), not an error: Excel on a Chinese Windows writes it."""
    if encoding != "gb18030":
        return None
    return Finding(
        source, 1, 1, RULE, Severity.INFO,
        Msg("文件不是 UTF-8：按 GBK（GB 18030）读取。", "The file is not UTF-8: read as GBK (GB 18030)."),
        Msg("若有乱码，在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入。", "If text looks garbled, save it as CSV UTF-8 or .xlsx and import again."),
    )


