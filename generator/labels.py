"""Display names of the data contract's enum values, shared by the terminal, the site and the forms."""

from __future__ import annotations

from .finding import Msg

STATUS = {
    "candidate": Msg("候选", "candidate"),
    "applied": Msg("已申请", "applied"),
    "dedicated": Msg("专属服务中", "dedicated"),
    "suspended": Msg("已暂停", "suspended"),
    "temporary-priority": Msg("临时优先级", "temporary priority"),
    "exited": Msg("已退出", "exited"),
}
TIER = {"platinum": Msg("铂金（重保）", "platinum"), "gold": Msg("金", "gold"), "silver": Msg("银", "silver")}
