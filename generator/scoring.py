"""Scores computed from the model, shared by rules, the status command and the site.

``kb_sections`` lists the six sections of the client knowledge base of §5.2 and whether
each is filled; ``kb_completeness`` is the percentage the KPI of §9.1 uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Client


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    title_en: str
    filled: bool
    path: tuple[str, ...]  # where the section lives in client.yml
    hint_zh: str
    hint_en: str


def kb_sections(c: Client) -> list[Section]:
    kb = c.knowledge_base
    return [
        Section(
            "special_notes",
            "特殊情况说明",
            "special notes",
            bool(kb and kb.special_notes),
            ("knowledge_base", "special_notes"),
            "填写 knowledge_base.special_notes：变更窗口、审批要求等特殊约定。",
            "Fill in knowledge_base.special_notes.",
        ),
        Section(
            "service_catalog",
            "服务目录信息",
            "service catalog",
            bool(kb and kb.service_catalog),
            ("knowledge_base", "service_catalog"),
            "在 knowledge_base.service_catalog 中列出提供的服务。",
            "List the services under knowledge_base.service_catalog.",
        ),
        Section(
            "network_model",
            "基本网络模型",
            "network model",
            bool(kb and kb.network_model),
            ("knowledge_base", "network_model"),
            "在 knowledge_base.network_model 中描述组网结构。",
            "Describe the network under knowledge_base.network_model.",
        ),
        Section(
            "lines_and_applications",
            "全网线路以及业务应用信息",
            "lines and applications",
            bool(c.lines and c.applications),
            ("lines",) if not c.lines else ("applications",),
            "在 lines 中列出全网线路，在 applications 中列出业务应用。",
            "List the lines and the applications.",
        ),
        Section(
            "typical_faults",
            "典型历史故障信息",
            "typical faults",
            bool(kb and kb.typical_faults),
            ("knowledge_base", "typical_faults"),
            "在 knowledge_base.typical_faults 中记录典型故障：时间、现象、原因、处理。",
            "Record typical faults under knowledge_base.typical_faults.",
        ),
        Section(
            "common_requests",
            "常见服务请求",
            "common requests",
            bool(kb and kb.common_requests),
            ("knowledge_base", "common_requests"),
            "在 knowledge_base.common_requests 中写明常见请求及处理步骤。",
            "Record common requests and their steps under knowledge_base.common_requests.",
        ),
    ]


def kb_completeness(c: Client) -> int:
    """The share of the six §5.2 sections that are filled, in whole percent."""
    sections = kb_sections(c)
    return round(100 * sum(s.filled for s in sections) / len(sections))
