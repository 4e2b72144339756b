"""The policy's parameters (``policy.yml``) as one typed record.

Rules read every threshold and deadline from here, never from literals. A value that is
missing or of the wrong type is ``None`` and the rule that needs it says so, the way the
policy's own open value (the margin threshold "X" of §7.1) is handled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .fields import date_at, flag_at, int_at, items_at, list_at, mapping_at, named_days_at, number_at, text_at, texts_at
from .load import Loaded
from .model import NOWHERE, Date, Person, Where
from .roles import Role, default_roles, read_roles

GRADES = ("associate", "intermediate", "advanced")  # 初级 < 中级 < 高级
# Each grade word people write — ours, the vendors' own (associate / professional / expert: Cisco,
# Juniper, Palo Alto) and the Chinese (初级 / 中级 / 高级) — and its rank in GRADES (§4.1).
GRADE_RANK = {
    **{g: i for i, g in enumerate(GRADES)},
    "professional": 1,
    "expert": 2,
    "初级": 0,
    "中级": 1,
    "高级": 2,
}
CHANNEL_KINDS = ("wecom", "dingtalk", "feishu", "email")
DEFAULT_LEAD_DAYS = (30, 7, 1, 0)  # DESIGN.md §2's example: a month, a week, the day before, the day


@dataclass(frozen=True)
class Channel:
    """One reminder channel of ``notify.channels``: where ``kb remind --send`` delivers. The webhook
    URL, signing secret and SMTP URL are never here: only the names of the environment variables
    that hold them (``url_env``, ``secret_env``)."""

    id: str
    kind: str  # wecom | dingtalk | feishu | email
    url_env: str | None
    secret_env: str | None = None
    sender: str | None = None  # email: the From address ("from" in YAML)
    where: Where = NOWHERE


@dataclass(frozen=True)
class Notify:
    """``notify``: the days before a deadline on which it is announced, and the channels."""

    lead_days: tuple[int, ...] = DEFAULT_LEAD_DAYS
    channels: tuple[Channel, ...] = ()


# A typical Chinese ticket export's column names (DESIGN.md §2 tickets.columns); policy.yml overrides each.
TICKET_COLUMNS = {"id": "工单号", "client": "客户", "engineer": "处理人", "opened": "创建时间", "resolved": "解决时间",
                  "satisfaction": "满意度"}


def _ticket_columns(d: Any) -> dict[str, str]:
    cols = mapping_at(mapping_at(d, "tickets"), "columns") or {}
    return {k: (text_at(cols, k) or v) for k, v in TICKET_COLUMNS.items()}


@dataclass(frozen=True)
class Policy:
    version: str | None
    effective_on: Date | None
    reviewed_on: Date | None
    adopted_on: Date | None  # records dated before it were imported: not judged by commit date
    eligible_levels: tuple[str, ...]
    min_ops_years: int | None
    core_products: tuple[str, ...]
    required_cert_kinds: tuple[str, ...]
    general_min: int | None
    general_vendors: tuple[str, ...]
    general_min_grade: str | None
    cert_expiry_warning_days: int | None
    incident_limit_per_year: int | None
    max_clients: int | None
    monthly_contract_cny: int | None
    monthly_margin_cny: int | None
    required_site_kinds: tuple[str, ...]
    required_contact_levels: tuple[str, ...]
    change_business_days: int | None
    kb_calendar_days: int | None
    meeting_record_business_days: int | None
    transition_months: int | None
    temporary_priority_months: int | None
    policy_review_months: int | None
    default_cadence: str | None
    split_account_manager: int | None
    split_engineer: int | None
    service_start: str | None
    service_end: str | None
    workdays_only: bool
    extra_holidays: tuple[tuple[Date, str], ...]
    extra_workdays: tuple[tuple[Date, str], ...]
    where: Where
    calendar_coverage_from: tuple[int, int] | None = (11, 1)  # (month, day): remind of next year's calendar
    # exemptions (policy.yml exemption): the role of roles.py that approves one, and how long it may last
    exemption_approver: str | None = "department_head"
    exemption_max_months: int | None = 6
    ops_manager: Person | None = None  # roles.ops_manager: reviews every dossier change (CODEOWNERS)
    split_grace_days: int = 0  # §9.2.3 在服务指派之初: days after the service starts the split may be agreed
    # §9.3.2 被替换者不再享受后续激励: none (nothing from renewals after the replacement) | months-served
    replaced_engineer_share: str = "none"
    general_vendors_only: bool = False  # §4.1「等」: other vendors count unless policy.yml closes the list
    # §8.4 "长期无法履行": a review is due after this many misses (late events, missed meetings) …
    review_missed_duties: int | None = 3
    review_window_months: int | None = 6  # … within this many months (collaboration_review)
    # kb import tickets: our key -> the export's column name (tickets.columns over TICKET_COLUMNS)
    ticket_columns: Mapping[str, str] = field(default_factory=lambda: dict(TICKET_COLUMNS), compare=False)
    # §9.1 targets (policy.yml kpi); the policy gives no numbers, so None: shown, not judged
    kpi_satisfaction_min: float | None = None
    kpi_mttr_max_hours: float | None = None
    kpi_continuity_min: float | None = None  # a share, 0-1
    site_url: str | None = None  # the published site: reminders and calendar events link to its pages
    notify: Notify = Notify()  # kb remind: lead days and channels (none when policy.yml names none)
    # every role the policy names (roles.py), filled in from policy.yml's roles where it names someone
    roles: Mapping[str, Role] = field(default_factory=default_roles, compare=False)

    def judged(self, day: Date | None) -> bool:
        """Whether a record dated ``day`` is judged by its commit date (not imported at adoption)."""
        return day is not None and (self.adopted_on is None or day >= self.adopted_on)

    def grade_at_least(self, grade: str | None) -> bool:
        """Whether a certificate grade meets ``general_min_grade`` (any word of GRADE_RANK)."""
        have = GRADE_RANK.get((grade or "").strip().lower())
        need = GRADE_RANK.get((self.general_min_grade or "").strip().lower())
        return have is not None and need is not None and have >= need

    def general_vendor_counts(self, vendor: str | None) -> bool:
        """Whether a general certificate of ``vendor`` counts (§4.1「华为、思科、H3C、锐捷等」): any
        vendor, unless ``general_vendors_only`` closes the list to ``general_vendors``."""
        if not self.general_vendors_only:
            return True
        return (vendor or "").strip().lower() in {v.lower() for v in self.general_vendors}


def _month_day(text: str) -> tuple[int, int] | None:
    """``"11-01"`` → (11, 1); None for anything else (the schema reports it)."""
    month, _, day = text.partition("-")
    try:
        dt.date(2000, int(month), int(day))  # a leap year: 02-29 is a day
    except ValueError:
        return None
    return int(month), int(day)


def _notify(d: Any, where: Where) -> Notify:
    """``notify``; lead days default to DESIGN.md's [30, 7, 1, 0], a channel without id or kind is
    skipped (its schema finding says why)."""
    n = mapping_at(d, "notify")
    if n is None:
        return Notify()
    days = list_at(n, "lead_days")
    lead = tuple(sorted({x for x in days if isinstance(x, int) and not isinstance(x, bool) and x >= 0}, reverse=True))
    channels = []
    for x, xw in items_at(n, "channels", where.sub("notify")):
        cid, kind = text_at(x, "id"), text_at(x, "kind")
        if cid and kind in CHANNEL_KINDS:
            channels.append(Channel(cid, kind, text_at(x, "url_env"), text_at(x, "secret_env"), text_at(x, "from"), xw))
    return Notify(lead if "lead_days" in n else DEFAULT_LEAD_DAYS, tuple(channels))


def _count(d: Any, key: str, default: int) -> int | None:
    """``collaboration_review.<key>``: the policy's reading when the block or the key is absent,
    None when it has the wrong type (its schema finding says so, and the review rule stays off)."""
    block = mapping_at(d, "collaboration_review")
    return default if block is None or key not in block else int_at(block, key)


def _exemption(d: Any) -> dict[str, Any]:
    """``exemption``: who approves an exemption and its longest term. The policy names neither: the
    department head (who approves applications, §7.2.3) and six months are the defaults when the
    block or the key is absent; a value of the wrong type is None (its schema finding says so, and
    no exemption applies)."""
    block = mapping_at(d, "exemption")
    if block is None:
        return {}
    out: dict[str, Any] = {}
    if "approver" in block:
        out["exemption_approver"] = text_at(block, "approver")
    if "max_months" in block:
        out["exemption_max_months"] = int_at(block, "max_months")
    return out


def build_policy(loaded: Loaded, data: Any) -> Policy:
    d = data if isinstance(data, dict) else {}
    eng = mapping_at(d, "engineer")
    certs = mapping_at(eng, "required_certs")
    deadlines = mapping_at(d, "deadlines")
    materials = mapping_at(d, "materials")
    key_client = mapping_at(d, "key_client")
    incentive = mapping_at(d, "incentive")
    hours = mapping_at(d, "service_hours")
    calendar = mapping_at(d, "calendar")
    manager = mapping_at(mapping_at(d, "roles"), "ops_manager")
    return Policy(
        version=text_at(d, "version"),
        effective_on=date_at(d, "effective_on"),
        reviewed_on=date_at(d, "reviewed_on"),
        adopted_on=date_at(d, "adopted_on"),
        eligible_levels=texts_at(eng, "eligible_levels"),
        min_ops_years=int_at(eng, "min_ops_years"),
        core_products=texts_at(eng, "core_products"),
        required_cert_kinds=texts_at(certs, "kinds"),
        general_min=int_at(certs, "general_min"),
        general_vendors=texts_at(certs, "general_vendors"),
        general_min_grade=text_at(certs, "general_min_grade"),
        general_vendors_only=flag_at(certs, "general_vendors_only"),
        cert_expiry_warning_days=int_at(eng, "cert_expiry_warning_days"),
        incident_limit_per_year=int_at(eng, "incident_limit_per_year"),
        max_clients=int_at(mapping_at(d, "load"), "max_clients"),
        monthly_contract_cny=int_at(key_client, "monthly_contract_cny"),
        monthly_margin_cny=int_at(key_client, "monthly_margin_cny"),
        required_site_kinds=texts_at(materials, "required_site_kinds"),
        required_contact_levels=texts_at(materials, "required_contact_levels"),
        change_business_days=int_at(deadlines, "change_business_days"),
        kb_calendar_days=int_at(deadlines, "kb_calendar_days"),
        meeting_record_business_days=int_at(deadlines, "meeting_record_business_days"),
        transition_months=int_at(deadlines, "transition_months"),
        temporary_priority_months=int_at(deadlines, "temporary_priority_months"),
        policy_review_months=int_at(deadlines, "policy_review_months"),
        default_cadence=text_at(mapping_at(d, "sync"), "default_cadence"),
        split_account_manager=int_at(incentive, "account_manager"),
        split_engineer=int_at(incentive, "engineer"),
        split_grace_days=int_at(incentive, "split_grace_days") or 0,
        replaced_engineer_share=text_at(incentive, "replaced_engineer_share") or "none",
        service_start=text_at(hours, "start"),
        service_end=text_at(hours, "end"),
        workdays_only=flag_at(hours, "workdays_only"),
        extra_holidays=named_days_at(calendar, "holidays"),
        extra_workdays=named_days_at(calendar, "workdays"),
        **_exemption(d),
        calendar_coverage_from=_month_day(text_at(calendar, "coverage_from") or "11-01"),
        review_missed_duties=_count(d, "missed_duties", 3),
        review_window_months=_count(d, "within_months", 6),
        ticket_columns=_ticket_columns(d),
        kpi_satisfaction_min=number_at(mapping_at(d, "kpi"), "satisfaction_min"),
        kpi_mttr_max_hours=number_at(mapping_at(d, "kpi"), "mttr_max_hours"),
        kpi_continuity_min=number_at(mapping_at(d, "kpi"), "continuity_min"),
        where=Where(loaded.file, loaded.positions),
        roles=read_roles(d),
        ops_manager=(
            Person(name=text_at(manager, "name"), handle=text_at(manager, "handle"), email=text_at(manager, "email"))
            if manager
            else None
        ),
        site_url=text_at(d, "site_url"),
        notify=_notify(d, Where(loaded.file, loaded.positions)),
    )
