"""How often the ``secret`` scan fires on text that holds no secret: the false-positive figure.

    python tools/secret_scan_rate.py clients engineers policy.yml ../shared/policy/dedicated-engineer-policy-v4.md

Every file under the paths given is read as the scan reads an attachment (binary files
skipped by content, text decoded as UTF-8, UTF-16 or GB 18030) and scanned line by line;
the YAML records are scanned as text too, so every free-text value, key and comment counts.
Prints the number of files, lines and findings, then each finding (``file:line: message``),
so a figure in the README can be checked by anyone. Exit code 0 always: it measures.
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.rules.secrets import scan_text
from generator.textfiles import decode, is_binary


def _files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.is_file() and ".git" not in x.parts))
        elif p.is_file():
            out.append(p)
        else:
            print(f"skip {p}: not found", file=sys.stderr)
    return out


def main(argv: list[str]) -> int:
    files = lines = 0
    found = []
    for path in _files(argv):
        raw = path.read_bytes()
        if is_binary(raw[:8192]):
            continue
        text = decode(raw)
        files += 1
        lines += len(text.splitlines())
        found += [f"{path}:{f.line}: {f.message.zh}" for f in scan_text(str(path), text)]
    rate = f"{1000 * len(found) / lines:.2f}" if lines else "0"
    print(f"{files} text files, {lines} lines, {len(found)} secret findings ({rate} per 1,000 lines)")
    for line in found:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
