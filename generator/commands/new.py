"""``kb new``: skeleton files for a client, an engineer, a meeting or a handoff."""

from __future__ import annotations

import click


@click.group("new")
def new_group() -> None:
    """新建档案骨架：客户、工程师、会议纪要、跨部门协同任务（不会覆盖已有文件）。"""
