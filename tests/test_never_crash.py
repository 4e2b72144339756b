"""Properties: any bytes, any YAML-like text, any loaded data → data or findings, never an exception."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.load import Limits, load_bytes, load_text
from generator.pipeline import PACKAGE_SCHEMAS
from generator.validate import KINDS, SchemaSet, validate

SCHEMAS = SchemaSet.from_dir(PACKAGE_SCHEMAS)

# Pieces of YAML syntax, so generated text reaches deep into the parser rather than
# failing on the first byte.
TOKENS = st.sampled_from([
    "\n", "  ", "    ", "- ", ": ", ":", "? ", "[", "]", "{", "}", ", ", "#", "&a ", "*a", "!!str ", "!x ",
    "%YAML 1.2\n", "---\n", "...\n", "|\n", ">-\n", '"', "'", "\\", "\\x01", "\\0", "\\ud800", "\t", "\ufeff",
    "\x00", "\x85", "\u2028", "id", "name", "status", "sites", "010", "0755", "22:30", "no", "true", "null",
    "~", "2026-02-30", "13800000000", "1.5", "-3", "中文", "华兴物流", "é", "\r\n", "<<", "=", "@", "`",
])
YAMLISH = st.lists(TOKENS, max_size=80).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_any_bytes(raw: bytes) -> None:
    out = load_bytes(raw, "x.yml")
    assert out.usable or out.findings
    for f in out.findings:
        assert f.line >= 1 and f.column >= 1 and f.rule == "load"


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH)
def test_any_yaml_like_text(text: str) -> None:
    out = load_text(text, "x.yml")
    assert out.usable or out.findings
    if out.usable:
        for kind in KINDS:
            _data, findings = validate(out, kind, SCHEMAS)
            assert all(f.line >= 1 for f in findings)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "name", "status", "tier", "sites", "lines", "contacts", "assignment", "engineer",
                         "kind", "level", "ports", "date", "x"]), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSONISH)
def test_any_data_through_every_schema(data: object) -> None:
    import yaml

    text = yaml.safe_dump(data, allow_unicode=True)
    out = load_text(text, "x.yml")
    for kind in KINDS:
        validate(out, kind, SCHEMAS)


def test_limits_are_fast() -> None:
    t = time.perf_counter()
    big = load_bytes(b"a: " + b"x" * (10 * 1024 * 1024), "big.yml")
    deep = load_text("[" * 30000, "deep.yml")
    deep_map = load_text("".join("  " * i + f"k{i}:\n" for i in range(5000)), "deepmap.yml")
    assert time.perf_counter() - t < 5  # generous: the point is no crash and no hang
    assert not big.usable and "过大" in big.findings[0].message.zh
    assert not deep.usable and "嵌套" in deep.findings[0].message.zh
    assert not deep_map.usable and "嵌套" in deep_map.findings[0].message.zh


def test_custom_limits() -> None:
    assert not load_bytes(b"a: 1\n" * 100, "x.yml", Limits(max_bytes=100)).usable
    assert load_text("a: [[1]]", "x.yml", Limits(max_depth=3)).usable
    assert not load_text("a: [[[1]]]", "x.yml", Limits(max_depth=3)).usable
