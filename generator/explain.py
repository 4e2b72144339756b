"""One schema error → findings in the user's words, at the line of the offending key.

Messages are chosen by error kind (missing, wrong type, not one of the allowed values,
bad format, unknown key …) and name the property by its Chinese schema title.

A key written with no value (``name:``) where the schema does not accept null is not a
type error but a value still to be written: one ``todo`` finding, "请填写“name”（客户名称）",
with the schema's description as the hint. That is what a ``kb new`` skeleton holds, so a
fresh skeleton fails ``kb check`` only with its to-do list — and CI blocks it until it is
filled in (``todo`` is an error).
"""

from __future__ import annotations

import difflib
from typing import Any

from .finding import NO_HINT, Finding, Msg, error
from .formats import FORMATS
from .load import KeyPath, Loaded, get
from .schemas import SchemaSet, show_path

RULE = "schema"
TODO = "todo"  # a key present with no value where the schema needs one: "fill this in"

_TYPE_NAMES = {
    "string": Msg("文本", "text"),
    "integer": Msg("整数", "an integer"),
    "number": Msg("数字", "a number"),
    "boolean": Msg("布尔值（true 或 false）", "a boolean (true or false)"),
    "array": Msg("列表", "a list"),
    "object": Msg("映射（键: 值）", "a mapping (key: value)"),
    "null": Msg("空值", "empty"),
}


def _label(kind: str, path: KeyPath, schemas: SchemaSet) -> tuple[str, str]:
    shown = show_path(path)
    title = schemas.title(kind, path)
    return (f"“{shown}”（{title}）" if title else f"“{shown}”"), f"'{shown}'"


def explain(e: Any, path: KeyPath, kind: str, loaded: Loaded, schemas: SchemaSet) -> list[Finding]:
    """Findings for one jsonschema-rs error (several for several unknown keys)."""
    name = type(e.kind).__name__
    if name == "AdditionalProperties":
        return _unknown_keys(e, path, kind, loaded, schemas)
    if name in ("AnyOf", "OneOfNotValid"):
        return _forms(e, path, kind, loaded, schemas)
    line, col = loaded.pos(path)
    if name == "Type" and e.instance is None:  # "null" is not among the types, or there would be no error
        message, hint = _fill_in(path, kind, schemas)
        return [error(loaded.file, line, col, TODO, message, hint)]
    message, hint = _words(name, e, path, kind, schemas)
    return [error(loaded.file, line, col, RULE, message, hint)]


def _forms(e: Any, path: KeyPath, kind: str, loaded: Loaded, schemas: SchemaSet) -> list[Finding]:
    """A value that fits none of the forms a key takes (a record or just its name, a list or one
    sentence). The validator's own words ("not valid under any of the schemas listed in the
    'anyOf' keyword") say nothing to a user; instead, the errors of the form the value was written
    in — the first whose type it has: a mapping is a record with a wrong key, a list has a wrong
    item — are explained as usual; a value whose type fits no form is one "应为…或…" finding (an
    empty value, the to-do), with the key's description, which names the forms, as the hint."""
    forms = [list(f) for f in e.kind.context]

    def misfit(errors: list[Any]) -> bool:
        return any(type(x.kind).__name__ == "Type" and tuple(x.instance_path) == path for x in errors)

    fitting = [f for f in forms if not misfit(f)]
    if fitting:
        errors = fitting[0]
        mistyped = {tuple(x.instance_path) for x in errors if type(x.kind).__name__ == "Type"}
        out: list[Finding] = []
        for x in errors:
            sub = tuple(x.instance_path)
            if loaded.is_poisoned(sub) or (sub in mistyped and type(x.kind).__name__ != "Type"):
                continue
            out.extend(explain(x, sub, kind, loaded, schemas))
        return out
    line, col = loaded.pos(path)
    if e.instance is None:
        message, hint = _fill_in(path, kind, schemas)
        return [error(loaded.file, line, col, TODO, message, hint)]
    want: list[str] = []
    for f in forms:
        for x in f:
            if type(x.kind).__name__ == "Type" and tuple(x.instance_path) == path:
                want += [t for t in x.kind.types if t != "null" and t not in want]
    zh, en = _label(kind, path, schemas)
    got = _describe(e.instance)
    want_zh = "或".join(_TYPE_NAMES[t].zh for t in want if t in _TYPE_NAMES)
    want_en = " or ".join(_TYPE_NAMES[t].en for t in want if t in _TYPE_NAMES)
    desc = description(kind, path, schemas)
    return [
        error(
            loaded.file,
            line,
            col,
            RULE,
            Msg(f"{zh}应为{want_zh}，实际是{got.zh}。", f"{en} should be {want_en}, but is {got.en}."),
            Msg(desc, f"See the key's description in schemas/{kind}.schema.json.") if desc else _type_hint(e.instance, want),
        )
    ]


def _fill_in(path: KeyPath, kind: str, schemas: SchemaSet) -> tuple[Msg, Msg]:
    """The to-do finding's words: "请填写“key”（title）", the key's schema description as the hint. The hint does
    not offer deleting the line: a key the schema leaves optional may still be one the policy
    rules require (a handoff's trigger, a meeting's agenda items)."""
    shown = show_path(path)
    title = schemas.title(kind, path)
    return (
        Msg(f"请填写“{shown}”" + (f"（{title}）" if title else "") + "。", f"Fill in '{shown}'."),
        Msg(
            description(kind, path, schemas) or "在冒号后写上内容。",
            f"Write the value after the colon; schemas/{kind}.schema.json describes it (VS Code shows it on hover).",
        ),
    )


def description(kind: str, path: KeyPath, schemas: SchemaSet) -> str | None:
    """The Chinese description of the property at ``path``: the property's own, read before
    following $ref (``coordinator`` describes the coordinator, not any person), else its schema's."""
    if not path:
        return None
    parent = schemas.subschema(kind, path[:-1]) or {}
    last = path[-1]
    prop = parent.get("items") if isinstance(last, int) else parent.get("properties", {}).get(last)
    text = prop.get("description") if isinstance(prop, dict) else None
    if not text:
        text = (schemas.subschema(kind, path) or {}).get("description")
    return " ".join(str(text).split()) if text else None


_RANGE_WORDS = {
    "Minimum": ("不能小于", "at least"),
    "Maximum": ("不能大于", "at most"),
    "ExclusiveMinimum": ("必须大于", "greater than"),
    "ExclusiveMaximum": ("必须小于", "less than"),
}


def _words(name: str, e: Any, path: KeyPath, kind: str, schemas: SchemaSet) -> tuple[Msg, Msg]:
    """Message and hint for every error kind but unknown keys."""
    zh, en = _label(kind, path, schemas)
    if name == "Required":
        prop = str(e.kind.property)
        title = schemas.title(kind, (*path, prop))
        desc = str((schemas.subschema(kind, (*path, prop)) or {}).get("description") or "")
        where_zh = f"“{show_path(path)}”中" if path else ""
        where_en = f" in '{show_path(path)}'" if path else ""
        return (
            Msg(
                f"{where_zh}缺少必填项“{prop}”" + (f"（{title}）" if title else "") + "。",
                f"Missing required key '{prop}'{where_en}.",
            ),
            Msg(f"添加 {prop}: …" + (f"　说明：{desc}" if desc else ""), f"Add '{prop}: …'."),
        )
    if name == "Type":
        want = [t for t in e.kind.types if t != "null"] or list(e.kind.types)
        want_zh = "或".join(_TYPE_NAMES[t].zh for t in want if t in _TYPE_NAMES)
        want_en = " or ".join(_TYPE_NAMES[t].en for t in want if t in _TYPE_NAMES)
        got = _describe(e.instance)
        return (
            Msg(f"{zh}应为{want_zh}，实际是{got.zh}。", f"{en} should be {want_en}, but is {got.en}."),
            _type_hint(e.instance, want),
        )
    if name == "Enum":
        options = [str(o) for o in e.kind.options]
        near = difflib.get_close_matches(str(e.instance), options, n=1, cutoff=0.6)
        shown = ", ".join(options)
        return (
            Msg(
                f"{zh}的值“{_short(e.instance)}”不是允许的值之一：[{shown}]。",
                f"{en} is '{_short(e.instance)}', not one of [{shown}].",
            ),
            Msg(f"是不是想写“{near[0]}”？", f"Did you mean '{near[0]}'?")
            if near
            else Msg("请从允许的值中选一个（区分大小写）。", "Pick one of the allowed values (case-sensitive)."),
        )
    if name == "Format":
        fmt = FORMATS.get(str(e.kind.format))
        what = fmt.what if fmt else Msg(str(e.kind.format), str(e.kind.format))
        return (
            Msg(
                f"{zh}的值“{_short(e.instance)}”不是合法的{what.zh}。",
                f"{en} is '{_short(e.instance)}', which is not {what.en}.",
            ),
            Msg(f"例如：{fmt.example}", f"For example: {fmt.example}")
            if fmt
            else Msg("检查这个值的写法。", "Check how this value is written."),
        )
    if name in _RANGE_WORDS:
        word_zh, word_en = _RANGE_WORDS[name]
        return (
            Msg(
                f"{zh}的值 {_short(e.instance)} 超出范围：{word_zh} {e.kind.limit}。",
                f"{en} is {_short(e.instance)}, out of range: must be {word_en} {e.kind.limit}.",
            ),
            NO_HINT,
        )
    if name == "MinLength":
        return Msg(f"{zh}不能为空。", f"{en} must not be empty."), Msg(
            "填写内容，或删除这一行。", "Fill it in, or delete the line."
        )
    if name == "MaxLength":
        limit = e.kind.limit
        return Msg(f"{zh}太长：最多 {limit} 个字符。", f"{en} is too long: at most {limit} characters."), NO_HINT
    if name == "MinItems":
        return Msg(f"{zh}至少需要 {e.kind.limit} 项。", f"{en} needs at least {e.kind.limit} item(s)."), NO_HINT
    if name == "MaxItems":
        return Msg(f"{zh}最多 {e.kind.limit} 项。", f"{en} allows at most {e.kind.limit} item(s)."), NO_HINT
    if name == "UniqueItems":
        return Msg(f"{zh}中有重复的项。", f"{en} has duplicate items."), Msg("删除重复的项。", "Remove the duplicates.")
    if name == "Pattern":  # the schema's description says the accepted form, with an example
        return Msg(f"{zh}的写法不对：{e.instance!r}。", f"{en} is not in the expected form: {e.instance!r}."), Msg(
            description(kind, path, schemas) or "参照同类文件的写法。", "See the key's description in the schema."
        )
    return Msg(f"{zh}：{e.message}", f"{en}: {e.message}"), NO_HINT


def _unknown_keys(e: Any, path: KeyPath, kind: str, loaded: Loaded, schemas: SchemaSet) -> list[Finding]:
    """One finding per unknown key, at that key, with "did you mean" for a near miss."""
    allowed = list((schemas.subschema(kind, path) or {}).get("properties", {}))
    present = loaded_keys(loaded, path)
    known = [k for k in allowed if k not in present]
    where_zh = f"“{show_path(path)}”中" if path else ""
    where_en = f" in '{show_path(path)}'" if path else ""
    out = []
    for key in e.kind.unexpected:
        line, col = loaded.pos((*path, key))
        near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = (
            Msg(f"是不是想写“{near[0]}”？", f"Did you mean '{near[0]}'?")
            if near
            else Msg("允许的键：" + "、".join(allowed) + "。", "Allowed keys: " + ", ".join(allowed) + ".")
        )
        out.append(
            error(
                loaded.file,
                line,
                col,
                RULE,
                Msg(f"{where_zh}有未知的键“{_short(key)}”。", f"Unknown key '{_short(key)}'{where_en}."),
                hint,
            )
        )
    return out


def loaded_keys(loaded: Loaded, path: KeyPath) -> set[str]:
    here = get(loaded.data, path)
    return set(here) if isinstance(here, dict) else set()


def _short(value: Any, limit: int = 60) -> str:
    """A value as shown in a message: long text is cut so the message stays readable."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(value: Any) -> Msg:
    if value is None:
        return Msg("空值", "empty")
    if isinstance(value, bool):
        return Msg(f"布尔值 {str(value).lower()}", f"the boolean {str(value).lower()}")
    if isinstance(value, int | float):
        return Msg(f"数字 {_short(value)}", f"the number {_short(value)}")
    if isinstance(value, str):
        return Msg(f"文本“{_short(value)}”", f"the text '{_short(value)}'")
    if isinstance(value, list):
        return Msg("列表", "a list")
    return Msg("映射", "a mapping")


def _type_hint(got: Any, want: list[str]) -> Msg:
    if isinstance(got, str) and ("integer" in want or "number" in want):
        return Msg(
            "数值不要加引号，也不要带单位或千分位逗号。", "Write numbers without quotes, units or thousands separators."
        )
    if isinstance(got, str) and "boolean" in want:
        return Msg(
            "只接受小写的 true 或 false（yes/no/on/off 都是文本）。",
            "Only lowercase true or false (yes/no/on/off are text).",
        )
    if "array" in want:
        return Msg(
            "写成列表：每项一行，以“- ”开头，或 [a, b]。",
            "Write a list: one item per line starting with '- ', or [a, b].",
        )
    if "object" in want:
        return Msg("写成“键: 值”的映射，下一级缩进两个空格。", "Write a mapping of 'key: value', indented two spaces.")
    return Msg("检查这个值的类型。", "Check the type of this value.")
