"""Regenerate examples/tickets-2026-Q3.csv: a fictional ticket export of the example KB's 2026-Q3
(the in-house Console's "导出 CSV", UTF-8 with BOM as Excel writes "CSV UTF-8"). Deterministic
(seeded), so the example's kpis/2026-Q3.yml can be re-made with ``kb import tickets``."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

# client (as the Console names it), its tickets, who handles them (weights)
PLAN = [
    ("华兴物流集团", 30, {"张伟": 28, "李娜": 2}),
    ("hr-hospital", 18, {"张伟": 17, "刘洋": 1}),
    ("嘉诚医药", 20, {"张伟": 19, "王芳": 1}),
    ("明晟零售连锁", 26, {"李娜": 21, "王芳": 5}),
    ("星源新能源", 8, {"张伟": 6, "赵磊": 2}),
    ("凯达融资租赁", 10, {"赵磊": 7, "王芳": 3}),
    ("天元教育集团", 6, {"刘洋": 4, "赵磊": 2}),
    ("瑞丰精密制造", 4, {"赵磊": 4}),
]
LEAVE = (dt.date(2026, 8, 10), dt.date(2026, 8, 14))  # 张伟's leave: 李娜 / the client's backup stands in
STAND_IN = {"华兴物流集团": "李娜", "hr-hospital": "刘洋", "嘉诚医药": "刘洋", "星源新能源": "李娜"}
TITLES = ["VPN 隧道中断", "门店 Wi-Fi 认证失败", "防火墙策略变更", "专线丢包", "SD-WAN 切换告警", "证书即将过期",
          "新增站点接入", "带宽利用率告警", "DNS 解析异常", "堡垒机账号开通"]


def main() -> None:
    rng = random.Random(2026)
    rows = []
    start = dt.datetime(2026, 7, 1, 8, 0)
    for client, count, handlers in PLAN:
        names, weights = zip(*handlers.items(), strict=True)
        for _ in range(count):
            opened = start + dt.timedelta(minutes=rng.randrange(0, 91 * 24 * 60 - 600))
            if client == "星源新能源" and rng.random() < 0.6:
                opened = max(opened, dt.datetime(2026, 9, 14, 9, 0) + dt.timedelta(hours=rng.randrange(0, 300)))
            who = rng.choices(names, weights)[0]
            if client in STAND_IN and LEAVE[0] <= opened.date() <= LEAVE[1]:
                who = STAND_IN[client]
            hours = round(rng.lognormvariate(1.1, 0.6), 2)
            resolved = opened + dt.timedelta(hours=hours)
            score = rng.choices(["5", "4", "3", ""], [50, 25, 5, 20])[0]
            rows.append([client, who, opened, resolved, score])
    rows.sort(key=lambda r: r[2])
    out = Path(__file__).with_name("tickets-2026-Q3.csv")
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工单号", "标题", "客户", "处理人", "创建时间", "解决时间", "满意度", "状态"])
        for n, (client, who, opened, resolved, score) in enumerate(rows, start=1):
            slash = n % 7 == 0  # some rows as Excel re-saves them: 2026/7/3 9:15
            fmt = (lambda t: f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}") if slash else (lambda t: t.strftime("%Y-%m-%d %H:%M"))
            still_open = resolved > dt.datetime(2026, 9, 30, 18, 0)
            w.writerow([f"YQ-2026{n:05d}", rng.choice(TITLES), client, who, fmt(opened),
                        "" if still_open else fmt(resolved), "" if still_open else score, "处理中" if still_open else "已关闭"])


if __name__ == "__main__":
    main()
