"""The layout of the monthly report's Word template (``kb report --format docx``), in the form
layouts' vocabulary (form_spec.py), so tools/build_form_templates.py makes it the way it makes
the forms: an ordinary .docx with docxtpl placeholders that staff may restyle in Word or WPS."""

from __future__ import annotations

from typing import cast

from .form_spec import Column, Field, Fields, Form, Heading, Kind, Note, Table

REPORT_TEMPLATE = "monthly-report.docx"

REPORT_FORM = Form(
    kind=cast(Kind, "report"),  # not one of the client forms: rendered by render/monthly_report.py
    title="专属工程师服务月度报表",
    root="report",
    header="专属工程师服务月度报表　{{ report.month }}",
    blocks=(
        Fields(
            (
                Field("报表月份", "month"),
                Field("数据截至", "as_of"),
                Field("依据的提交", "commit"),
                Field("上月末的提交", "previous_commit"),
            )
        ),
        Heading("一、主要指标"),
        Table(
            "本月末与上月末",
            "figures",
            (Column("指标", "label", 3), Column("本月", "value"), Column("上月", "previous"), Column("变化", "change")),
        ),
        Heading("二、本月晚报与缺失的事项"),
        Note("只列本月发生的：事件按补记提交的月份计，例会按周期结束的月份计。"),
        Table(
            "晚报与缺失",
            "late",
            (
                Column("客户", "client", 1.4),
                Column("负责人", "owner", 1.4),
                Column("规则", "rule", 1.2),
                Column("条款", "section", 0.7),
                Column("事项", "what", 2.4),
                Column("期限", "due", 1.1),
                Column("记录日", "done", 1.1),
                Column("晚（工作日）", "late", 0.8),
            ),
        ),
        Heading("三、同步例会"),
        Fields((Field("应开", "meetings_due"), Field("已开", "meetings_held"))),
        Table(
            "本月到期的例会周期",
            "meetings",
            (
                Column("客户", "client", 1.6),
                Column("负责人", "owner", 1.6),
                Column("周期", "period"),
                Column("截止", "due"),
                Column("召开", "held", 0.6),
            ),
        ),
        Heading("四、尚未完善的知识库"),
        Table(
            "知识库完善度低于 100% 的重点客户",
            "incomplete",
            (Column("客户", "client", 1.6), Column("负责人", "owner", 1.6), Column("完善度", "completeness"),
             Column("期限", "due")),
        ),
        Heading("五、过渡期"),
        Table(
            "过渡期客户",
            "transitions",
            (
                Column("客户", "client", 1.6),
                Column("类别", "klass", 0.6),
                Column("评估日", "assessed_on"),
                Column("结果", "outcome"),
                Column("回归日", "return_by"),
                Column("差距关闭日", "closed_on"),
            ),
        ),
        Heading("六、上季度 KPI"),
        Fields((Field("季度", "kpi_quarter"),)),
        Table(
            "工程师 KPI",
            "kpis",
            (
                Column("工程师", "name", 1.6),
                Column("MTTR（小时）", "mttr"),
                Column("满意度", "satisfaction"),
                Column("专人处理率", "continuity"),
                Column("未达标项", "missed", 0.7),
            ),
        ),
        Heading("七、下月期限"),
        Table(
            "下月到期的事项",
            "next",
            (
                Column("日期", "due"),
                Column("对象", "subject", 1.4),
                Column("规则", "rule", 1.2),
                Column("条款", "section", 0.7),
                Column("事项", "what", 3),
            ),
        ),
        Heading("八、生效中的豁免"),
        Note("月末当天有效的豁免（“原则上”的例外，经批准、未过期）。"),
        Table(
            "豁免",
            "exemptions",
            (
                Column("对象", "subject", 1.4),
                Column("规则", "rule", 1.2),
                Column("键", "key", 0.9),
                Column("理由", "reason", 2.4),
                Column("批准人", "approved_by", 1.2),
                Column("批准日", "approved_on", 1.1),
                Column("到期", "expires", 1.1),
            ),
        ),
    ),
    template=REPORT_TEMPLATE,
)
