"""The people the policy names by role (``policy.yml`` ``roles``), and whether a record names them.

The policy never names a person except the L3 expert; it names roles: the ops manager reviews
(§7.2.2) and assigns (§7.2.3), the department head approves (§7.2.3, §4.2.3) with a CC to the head
of the technical operations centre (§4.2.3), the ops director and the sales / customer-success
director agree the split (§9.2.3), the retention department asks for temporary priority
(§9.3.3). A record names who acted the way people write it — the role title ("运维经理"), the
person ("陈静"), or both ("运维经理 陈静") — so a role is recognised by any of its titles or by
the name, handle or e-mail ``roles`` gives for it. A role ``policy.yml`` does not fill in is still
recognised by its titles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .fields import mapping_at, text_at

if TYPE_CHECKING:
    from .policy import Policy


@dataclass(frozen=True)
class Role:
    """One role of the policy and who holds it (``name`` etc. None when policy.yml says nobody)."""

    key: str
    titles: tuple[str, ...]  # the policy's words for the role, then policy.yml's own ``title``
    section: str  # where the policy names it
    title_en: str
    name: str | None = None
    handle: str | None = None
    email: str | None = None

    @property
    def title(self) -> str:
        return self.titles[0]

    @property
    def label(self) -> str:
        """"运维经理（陈静）" for messages; the bare title when nobody is named."""
        return f"{self.title}（{self.name}）" if self.name else self.title

    def named_in(self, text: str | None) -> bool:
        """Whether ``text`` (a ``by``, ``agreed_by`` or ``requested_by`` entry) names this role."""
        if not text:
            return False
        marks = [*self.titles, *(x for x in (self.name, self.handle, self.email) if x)]
        return any(m in text for m in marks)

    def among(self, texts: Iterable[str]) -> bool:
        return any(self.named_in(t) for t in texts)


# key → (the policy's titles, the section that names the role, English); the first title is shown.
ROLES: Mapping[str, tuple[tuple[str, ...], str, str]] = {
    "ops_manager": (("运维经理",), "§4.2、§7.2.2、§7.2.3、§10.4", "ops manager"),
    "department_head": (("工程运维部负责人",), "§4.2.3、§7.2.3", "head of engineering operations"),
    "l3_expert": (("三级专家", "三级高级专家", "L3"), "§4.2.2", "L3 expert"),
    "tech_ops_head": (("技术运营中心负责人",), "§4.2.3", "head of the technical operations centre"),
    "ops_director": (("运维总监",), "§9.2.3", "operations director"),
    "sales_director": (
        ("销售/客户成功总监", "销售总监", "客户成功总监", "客户成功部总监"),
        "§9.2.3",
        "sales / customer-success director",
    ),
    "retention": (("保有部门",), "§9.3.1、§9.3.3、§10.4", "retention department"),
}


def read_roles(d: Any) -> dict[str, Role]:
    """``policy.yml`` ``roles`` → every role of :data:`ROLES`, filled in where policy.yml names someone."""
    roles = mapping_at(d, "roles")
    out: dict[str, Role] = {}
    for key, (titles, section, en) in ROLES.items():
        r = mapping_at(roles, key)
        own = text_at(r, "title")
        out[key] = Role(
            key,
            titles if not own or own in titles else (*titles, own),
            section,
            en,
            text_at(r, "name"),
            text_at(r, "handle"),
            text_at(r, "email"),
        )
    return out


def default_roles() -> dict[str, Role]:
    """The roles known by their titles only (no policy.yml, or one without ``roles``)."""
    return read_roles({})


def role(p: Policy | None, key: str) -> Role:
    """The role ``key`` of :data:`ROLES` as ``policy.yml`` fills it in (by its titles alone without one)."""
    found = p.roles.get(key) if p is not None else None
    return found if found is not None else default_roles()[key]
