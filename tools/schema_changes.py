"""What in schemas/ changed between two commits in a way that can make an old file invalid.

    python tools/schema_changes.py OLD_REV [NEW_REV]     (NEW_REV defaults to HEAD)

Walks each schema of OLD_REV beside the one of NEW_REV (local $refs followed, a list's items
compared with the alternative of the same type when the new schema also takes a short form) and
prints, per file kind: properties removed, keys newly required, types narrowed, enum values
dropped or an enum added, tighter length/number/size bounds, new patterns or formats. Added
optional keys and new short forms are additive and not listed. CHANGELOG.md cites its output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

KINDS = ("client", "engineer", "meeting", "handoff", "policy", "calendar", "kpis")


def load(rev: str, kind: str) -> Any:
    r = subprocess.run(["git", "show", f"{rev}:schemas/{kind}.schema.json"], capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


def deref(node: Any, root: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = root["definitions"][node["$ref"].split("/")[-1]]
    return node


def types(node: Any) -> set[str]:
    t = node.get("type", [])
    return set(t if isinstance(t, list) else [t])


def walk(o: Any, n: Any, path: str, out: list[str], ro: Any, rn: Any) -> None:
    o, n = deref(o, ro), deref(n, rn)
    if not isinstance(o, dict) or not isinstance(n, dict):
        return
    if "type" in o and "type" in n and not types(o) <= types(n):
        out.append(f"{path}: type {o['type']} -> {n['type']}")
    if "enum" in o and "enum" in n and set(o["enum"]) - set(n["enum"]):
        out.append(f"{path}: enum loses {sorted(set(o['enum']) - set(n['enum']))}")
    if "enum" not in o and "enum" in n:
        out.append(f"{path}: enum added {n['enum']}")
    required = set(n.get("required", [])) - set(o.get("required", []))
    if required:
        out.append(f"{path}: newly required {sorted(required)}")
    for k in ("maxLength", "maximum", "maxItems"):
        if k in n and (k not in o or n[k] < o[k]):
            out.append(f"{path}: {k} {o.get(k)} -> {n[k]}")
    for k in ("minLength", "minimum", "minItems"):
        if k in n and (k not in o or n[k] > o[k]):
            out.append(f"{path}: {k} {o.get(k)} -> {n[k]}")
    for k in ("pattern", "format"):
        if k in n and n.get(k) != o.get(k):
            out.append(f"{path}: {k} {o.get(k)} -> {n[k]}")
    old_props, new_props = o.get("properties", {}), n.get("properties", {})
    for k, sub in old_props.items():
        if k not in new_props:
            out.append(f"{path}.{k}: removed")
        else:
            walk(sub, new_props[k], f"{path}.{k}", out, ro, rn)
    if isinstance(o.get("items"), dict) and isinstance(n.get("items"), dict):
        oi, ni = deref(o["items"], ro), deref(n["items"], rn)
        if "anyOf" in ni and "anyOf" not in oi:  # a short form added beside the old one
            same = [a for a in (deref(x, rn) for x in ni["anyOf"]) if types(a) == types(oi)]
            if same:
                walk(oi, same[0], path + "[]", out, ro, rn)
            else:
                out.append(f"{path}[]: no alternative of the old type")
        else:
            walk(oi, ni, path + "[]", out, ro, rn)


def main(old_rev: str, new_rev: str) -> None:
    for kind in KINDS:
        o, n = load(old_rev, kind), load(new_rev, kind)
        if n is None:
            continue
        if o is None:
            print(f"{kind}: new file kind")
            continue
        out: list[str] = []
        walk(o, n, kind, out, o, n)
        print(f"{kind}: " + ("nothing that invalidates an old file" if not out else ""))
        for line in out:
            print("  " + line)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "HEAD")
