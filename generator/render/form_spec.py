"""What each Word form holds, label by label: the single list the template builder
(``tools/build_form_templates.py``) lays out, the renderer (:mod:`.forms`) fills and checks
against, and an importer can read back. The labelling convention is described in
:mod:`.forms`.

Keys are the data contract's (DESIGN.md §2): paths in ``client.yml`` for the application form
and the knowledge-base booklet, in ``handoffs/<task-id>.yml`` for the handoff report. A field
without a key is computed (or a signature line) and is not read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["application", "kb", "handoff"]
KINDS: tuple[Kind, ...] = ("application", "kb", "handoff")


@dataclass(frozen=True)
class Field:
    """One labelled two-column row: ``label key | value``."""

    label: str
    key: str | None = None  # YAML key path; None: computed or a signature line
    expr: str | None = None  # the Jinja expression of the value when it is not ``<root>.<key>``
    static: str = ""  # fixed text of the value cell (signature lines), no placeholder


@dataclass(frozen=True)
class Fields:
    """Consecutive labelled rows, laid out as one two-column table."""

    rows: tuple[Field, ...]


@dataclass(frozen=True)
class Column:
    label: str
    key: str  # relative to the list item
    width: float = 1.0  # relative column width


@dataclass(frozen=True)
class Table:
    """A repeating table: a title paragraph ``title key``, a header row ``label key`` per
    column, one row per list item (docxtpl ``{%tr for %}``)."""

    title: str
    key: str  # the list's key path
    columns: tuple[Column, ...]
    blank_rows: int = 3  # empty rows in the blank form


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1
    page_break: bool = False  # start on a new page


@dataclass(frozen=True)
class Note:
    """A fixed paragraph of guidance."""

    text: str


@dataclass(frozen=True)
class Lines:
    """One paragraph per string of ``expr`` (a list in ``meta``), e.g. the 【缺】 gaps."""

    expr: str


@dataclass(frozen=True)
class Pictures:
    """One picture paragraph and its caption per item of ``expr`` (``{picture, caption}``)."""

    expr: str


@dataclass(frozen=True)
class Cover:
    """The booklet's cover page: title, the client's name in large type, a few fields."""

    title: str
    name_expr: str
    fields: Fields


@dataclass(frozen=True)
class Contents:
    """A table-of-contents field (Word updates it on opening)."""


Block = Heading | Fields | Table | Note | Lines | Pictures | Cover | Contents


@dataclass(frozen=True)
class Form:
    kind: Kind
    title: str  # 《…》 without the brackets
    root: str  # the context name the keys hang from: "client" or "handoff"
    header: str  # page-header text (may hold placeholders)
    blocks: tuple[Block, ...]
    template: str  # file name under generator/templates/forms/


SIGN = "签字：＿＿＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"

SITE_COLUMNS = (
    Column("站点ID", "id", 0.8),
    Column("名称", "name", 1.1),
    Column("类型", "kind", 1.0),
    Column("城市", "city", 0.5),
    Column("地址", "address", 1.8),
)
APP_COLUMNS = (
    Column("业务名称", "name", 1.1),
    Column("所在节点", "site", 1.1),
    Column("IP", "ip", 0.9),
    Column("域名", "domain", 1.1),
    Column("端口", "ports", 0.6),
    Column("影响范围", "impact", 1.6),
)
CONTACT_COLUMNS = (
    Column("姓名", "name", 0.7),
    Column("层面", "level", 0.9),
    Column("职务", "title", 0.9),
    Column("电话", "phone", 1.0),
    Column("邮箱", "email", 1.3),
    Column("职责范围", "duties", 1.6),
)
CONTRACT_FIELDS = (
    Field("合同编号", "contract.number"),
    Field("合同开始日期", "contract.start"),
    Field("合同结束日期", "contract.end"),
    Field("服务等级", "contract.service_level"),
    Field("响应时间（分钟）", "contract.sla.response_minutes"),
    Field("到场时间（小时）", "contract.sla.onsite_hours"),
    Field("恢复时间（小时）", "contract.sla.restore_hours"),
    Field("关键条款", "contract.key_terms"),
)

FILLING = (
    "填写说明：带【缺】的是 §8.1/§7.2 要求而尚未提供的内容，须补齐后提交；灰色小字是该栏在 client.yml 中的键名。"
    "日期写 YYYY-MM-DD；金额、分钟、小时只写数字；多项内容每项一行；"
    "取值栏写代码或中文均可（如 technical 或 技术）。"
)

APPLICATION = Form(
    kind="application",
    title="专属工程师服务申请表",
    root="client",
    header="专属工程师服务申请表　{{ client.name }}",
    template="application.docx",
    blocks=(
        Note(
            "依据《工程运维部-专属工程师管理办法》V4 第 7.2 条（分配流程）与第 8.1 条（申请支持资料，资料不全的申请将被驳回）。"
        ),
        Heading("一、申请信息（§7.2.1）"),
        Fields(
            (
                Field("客户ID", "id"),
                Field("客户名称", "name"),
                Field("客户状态", "status"),
                Field("专属级别", "tier"),
                Field("申请人", "application.applicant.name"),
                Field("申请部门", "application.applicant.department"),
                Field("提交日期", "application.submitted_on"),
                Field("资料齐全日期", "application.materials_received_on"),
                Field("客户经理（接口人）", "account_manager.name"),
                Field("客户经理邮箱", "account_manager.email"),
                Field("客户经理电话", "account_manager.phone"),
                Field("例行拜访会频率", "sync.cadence"),
            )
        ),
        Heading("二、关键客户标准（§7.1，满足一项或多项并写明依据）"),
        Fields(
            (
                Field("月合同金额（元）", "criteria.monthly_contract_cny"),
                Field("月毛利（元）", "criteria.monthly_margin_cny"),
                Field("重大品牌价值", "criteria.brand_value"),
                Field("技术环境复杂", "criteria.complex_environment"),
                Field("高SLA要求", "criteria.high_sla"),
                Field("判定", expr="meta.criteria"),
            )
        ),
        Heading("三、《客户业务背景说明》（§8.1）"),
        Fields(
            (
                Field("主营业务", "business.main_business"),
                Field("业务模式", "business.business_model"),
                Field("使用我方服务的具体场景", "business.scenarios"),
                Field("业务高峰期", "business.peak_periods"),
            )
        ),
        Table("站点（核心站点、HUB 站点、IDC 站点）", "sites", SITE_COLUMNS),
        Lines("meta.site_gaps"),
        Table("重要业务（业务所在节点、IP、域名、端口；业务影响范围）", "applications", APP_COLUMNS),
        Heading("四、《客户关键联系人清单》（§8.1，技术、业务、决策层面）"),
        Table("联系人", "contacts", CONTACT_COLUMNS, blank_rows=4),
        Lines("meta.contact_gaps"),
        Heading("五、《服务合同及SLA关键条款》（§8.1）"),
        Fields(CONTRACT_FIELDS),
        Heading("六、《客户痛点及历史问题摘要》（§8.1）"),
        Table(
            "过往遇到的主要问题",
            "pain_points.history",
            (Column("日期", "date", 0.8), Column("问题", "summary", 2.0), Column("影响", "impact", 2.0)),
        ),
        Fields(
            (
                Field("沟通难点", "pain_points.communication"),
                Field("期望专属工程师解决的核心痛点", "pain_points.expectations"),
            )
        ),
        Heading("七、工程师指派与负载（§7.2.3、§7.3）"),
        Fields(
            (
                Field("专属工程师", "assignment.engineer"),
                Field("备份工程师（§7.4）", "assignment.backup"),
                Field("开始服务日期", "assignment.since"),
                Field("指派人（运维经理，终审通过后指派）", "assignment.assigned_by"),
                Field("工程师当前负载", expr="meta.load"),
                Field("资源协调方案（超过负载上限时必填）", "assignment.load_plan"),
            )
        ),
        Heading("八、审核与审批（§7.2）"),
        Fields(
            (
                Field("申请人签字", static=SIGN),
                Field("初审人（运维经理）", "application.review.by"),
                Field("初审日期", "application.review.on"),
                Field("初审结果", "application.review.result"),
                Field("初审意见（合理性、资料完备性、负载）", "application.review.notes"),
                Field("初审签字", static=SIGN),
                Field("终审人（工程运维部负责人）", "application.approval.by"),
                Field("终审日期", "application.approval.on"),
                Field("终审结果", "application.approval.result"),
                Field("终审意见", "application.approval.notes"),
                Field("终审签字", static=SIGN),
                Field("邮件通知日期（§7.2.4）", "application.notified_on"),
                Field("驳回原因", "application.rejected_reason"),
            )
        ),
        Heading("九、协同激励分配比例（§9.2）"),
        Fields(
            (
                Field("客户经理（%）", "assignment.incentive_split.account_manager"),
                Field("专属工程师（%）", "assignment.incentive_split.engineer"),
                Field("备案日期", "assignment.incentive_split.agreed_on"),
                Field("商定人", "assignment.incentive_split.agreed_by"),
                Field("运维总监签字", static=SIGN),
                Field("销售/客户成功总监签字", static=SIGN),
            )
        ),
        Note(FILLING),
        Note(
            "取值：客户状态 candidate 候选 / applied 已申请 / dedicated 专属服务中 / temporary-priority 临时优先级 / "
            "exited 已退出；专属级别 platinum 铂金（重保）/ gold 金 / silver 银；站点类型 core 核心站点 / hub HUB 站点 / "
            "idc IDC 站点 / branch 分支站点 / cloud 公有云站点；联系人层面 technical 技术 / business 业务 / decision 决策；"
            "初审结果 passed 通过 / rejected 驳回；终审结果 approved 批准 / rejected 驳回；频率 monthly 月度 / quarterly 季度。"
        ),
    ),
)

KB = Form(
    kind="kb",
    title="客户运维知识库",
    root="client",
    header="客户运维知识库　{{ client.name }}",
    template="kb.docx",
    blocks=(
        Cover(
            "客户运维知识库",
            "client.name",
            Fields(
                (
                    Field("客户名称", "name"),
                    Field("客户ID", "id"),
                    Field("专属级别", "tier"),
                    Field("专属工程师", "assignment.engineer"),
                    Field("备份工程师", "assignment.backup"),
                    Field("客户经理（接口人）", "account_manager.name"),
                    Field("编制日期", expr="meta.today"),
                    Field("知识库完善程度（§9.1）", expr="meta.completeness"),
                    Field("内部校对人（§7.2.5）", "knowledge_base.proofread.by"),
                    Field("内部校对日期", "knowledge_base.proofread.on"),
                )
            ),
        ),
        Contents(),
        Heading("一、特殊情况说明", page_break=True),
        Fields((Field("特殊情况说明", "knowledge_base.special_notes"),)),
        Heading("二、服务目录信息"),
        Table(
            "服务目录",
            "knowledge_base.service_catalog",
            (Column("服务名称", "name", 1.0), Column("服务范围与内容", "description", 3.0)),
        ),
        Heading("三、基本网络模型"),
        Fields((Field("网络结构说明", "knowledge_base.network_model"),)),
        Pictures("meta.diagrams"),
        Table(
            "附件",
            "knowledge_base.attachments",
            (Column("名称", "title", 1.0), Column("路径", "path", 2.0)),
            blank_rows=2,
        ),
        Heading("四、全网线路以及业务应用信息"),
        Table(
            "站点",
            "sites",
            (*SITE_COLUMNS, Column("内网网段", "subnets", 1.4), Column("公网 IPv4", "wan_ipv4", 1.1)),
        ),
        Table(
            "线路",
            "lines",
            (
                Column("线路ID", "id", 0.7),
                Column("A 端", "a", 1.2),
                Column("B 端", "b", 1.2),
                Column("运营商", "carrier", 0.9),
                Column("类型", "type", 1.1),
                Column("带宽 Mbps", "bandwidth_mbps", 1.0),
            ),
        ),
        Table("重要业务", "applications", APP_COLUMNS),
        Heading("五、典型历史故障信息"),
        Table(
            "典型故障",
            "knowledge_base.typical_faults",
            (
                Column("日期", "date", 0.8),
                Column("故障", "title", 1.3),
                Column("原因", "cause", 1.6),
                Column("处理与预防", "resolution", 1.8),
            ),
        ),
        Heading("六、常见服务请求"),
        Table(
            "常见服务请求",
            "knowledge_base.common_requests",
            (Column("请求", "title", 1.0), Column("处理步骤（每步一行）", "steps", 3.0)),
        ),
        Heading("附录　关键联系人与服务等级", page_break=True),
        Table("联系人", "contacts", CONTACT_COLUMNS, blank_rows=4),
        Fields(CONTRACT_FIELDS),
        Note(
            "本知识库由 kb 依据客户档案 clients/<客户ID>/client.yml 生成（《工程运维部-专属工程师管理办法》V4 §5.2）；"
            "带【缺】的是尚未填写的必备内容。灰色小字是该栏在 client.yml 中的键名。"
        ),
    ),
)

HANDOFF = Form(
    kind="handoff",
    title="问题定界分析报告",
    root="handoff",
    header="问题定界分析报告　{{ meta.client }}　{{ handoff.task_id }}",
    template="handoff.docx",
    blocks=(
        Note("依据《工程运维部-专属工程师管理办法》V4 第 6 章（问题定界与协同转交机制）。"),
        Heading("一、基本信息"),
        Fields(
            (
                Field("客户", expr="meta.client"),
                Field("原始工单", "ticket"),
                Field("协同任务ID", "task_id"),
                Field("问题", "title"),
                Field("创建日期", "opened_on"),
                Field("触发条件（§6.2）", "trigger"),
                Field("专属工程师（技术顾问，§6.4）", expr="meta.engineer"),
            )
        ),
        Heading("二、问题定界分析（§6.2）"),
        Fields(
            (
                Field("判断依据", "report.basis"),
                Field("复现步骤", "report.reproduction"),
                Field("相关日志", "report.logs"),
                Field("配置截图", "report.screenshots"),
            )
        ),
        Pictures("meta.screenshots"),
        Heading("三、跨部门协同任务（§6.3–§6.5）"),
        Fields(
            (
                Field("协同任务（可复制到 Console 或邮件）", expr="meta.task"),
                Field("@协调责任人（客户经理）", "coordinator"),
                Field("@接收方负责人（产品或商务负责人）", "owner"),
                Field("需解决事项", "ask"),
                Field("状态", "status"),
                Field("原始工单挂起日期", "suspended_on"),
                Field("解决方案", "solution"),
                Field("关闭日期", "closed_on"),
                Field("专属工程师签字", static=SIGN),
                Field("客户经理确认", static=SIGN),
            )
        ),
        Note(
            "取值：触发条件 product-defect 产品缺陷/限制 / sales-mismatch 销售资源错配 / architecture 前期方案架构问题；"
            "状态 open 进行中 / suspended 挂起-等待外部资源 / solution-agreed 方案已确认 / implemented 已实施 / closed 已关闭。"
            "@协调责任人与@接收方负责人写作“姓名（角色）”。"
        ),
    ),
)

FORMS: dict[Kind, Form] = {"application": APPLICATION, "kb": KB, "handoff": HANDOFF}


def expr_of(form: Form, f: Field) -> str | None:
    """The Jinja expression a field's value cell shows (None for a fixed-text cell)."""
    if f.expr:
        return f.expr
    return f"{form.root}.{f.key}" if f.key else None
