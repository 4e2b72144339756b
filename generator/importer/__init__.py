"""Back again: a filled 《专属工程师服务申请表》 (.docx) read into a client dossier.

The forms share one labelling convention with ``render/forms.py``: every field label
carries its YAML key path as its last word, in a small grey run after the Chinese label
(``客户名称 name``, ``月合同金额（元） criteria.monthly_contract_cny``), and the value sits
in the next cell of the row (or, when the label ends its row, in the row below). A
repeating table has a header row of labelled cells (``站点ID id``, ``名称 name``), and the
paragraph right before it is a title carrying the list key (``站点 sites``). ``【缺】``
marks a missing value and reads as empty.

Reading is schema-driven: the client schema says which key paths exist and what each
value is — integers for money, ports and bandwidth (``320000``, ``32万``, ``1G``); dates
also as ``2026/3/2`` or ``2026年3月2日``; enum values and ids as the forms write them
(``technical（技术）``, ``sh-idc（上海外高桥IDC）``) or as a person types them (``technical``,
``技术``; a site or engineer by name); lists one item per line (as the forms write them),
or on one line separated by ，、；: always for ports and addresses, for text only when every
part is short (``运维总监、销售总监``) — one line of prose stays one item
(``每年 3 月、9 月新车型量产爬坡``), so export → import keeps it. Nothing here raises for a
bad file: what could not be read becomes a :class:`Problem` and the rest goes on.
"""

from __future__ import annotations

from .common import MAX_BYTES, MAX_UNZIPPED, ImportResult, Problem
from .dump import to_yaml
from .reader import engineer_names, read_application
from .values import client_schema, convert
from .write import import_application

__all__ = [
    "MAX_BYTES",
    "MAX_UNZIPPED",
    "ImportResult",
    "Problem",
    "client_schema",
    "convert",
    "engineer_names",
    "import_application",
    "read_application",
    "to_yaml",
]
