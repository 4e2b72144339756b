"""Chinese words kept whole in Zensical's search, as jieba keeps them in Material's.

Material's search plugin segments Chinese at build time with jieba and our user dictionary
(``site/generated/jieba_userdict.txt``: client, site, engineer and vendor names), separating the
words with U+200B, which our ``separator`` splits on. Zensical ignores ``jieba_dict_user`` and
segments in the browser (``Intl.Segmenter``) *after* splitting on the separator: it cuts
``上海外高桥IDC`` as 外/高桥 while the query ``外高桥`` on its own is cut otherwise, so the
place is not found. Segmenting the index's text the same way MkDocs does makes the query and
the indexed word meet again. The index is the file Zensical documents (``search.json``, items
with ``title`` and ``text``); an index of another shape is left as it is.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

ZWSP = "\u200b"
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def _tokenizer(userdict: Path | None) -> Any:
    import jieba  # type: ignore[import-untyped]

    jieba.setLogLevel(logging.WARNING)  # not its "Building prefix dict" chatter on every build
    tok = jieba.Tokenizer()
    if userdict is not None and userdict.is_file():
        tok.load_userdict(str(userdict))
    return tok


def segment_index(index: Path, userdict: Path | None) -> bool:
    """Separate the Chinese words of the search index ``index`` with U+200B (jieba, with
    ``userdict``); True when it was rewritten."""
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return False
    tok = _tokenizer(userdict)

    def cut(m: re.Match[str]) -> str:
        return ZWSP.join(w for w in tok.cut(m.group()) if w)

    for item in items:
        if isinstance(item, dict):
            for key in ("title", "text"):
                value = item.get(key)
                if isinstance(value, str):
                    item[key] = _CJK_RUN.sub(cut, value)
    tmp = index.with_name(f".{index.name}.{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, index)
    return True
