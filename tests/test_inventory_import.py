"""`kb import inventory`: the §10.4 inventory spreadsheet → skeleton dossiers, in a KB `kb init` made.

Real CSV files (UTF-8 with BOM, GBK) and an XLSX written here with openpyxl, read by the real
CLI; each good row becomes a dedicated client's skeleton with its transition class, engineers
not yet known get skeletons, each bad row is a finding at its line and is not written, a second
run overwrites nothing, and `kb check` on the result lists the to-dos.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.load import load_file

from .conftest import REPO, git

DAY = "2026-12-01"
HEADER = "客户名称,客户ID,客户经理,客户经理电话,现服务工程师,月合同金额,分类,评估日期,服务开始日期,备注"
ROWS = [
    "华兴物流集团,hx-logistics,王敏,13800000000,张伟（zhang-wei）,32万,A,2026-11-20,2024-09-01,老客户",  # line 2
    '鼎泉连锁零售,dq-retail,李强,021-62345678,zhang-wei,"¥180,000",B类,2026/11/21 0:00,2025-03-01,缺 IDC 资料',  # 3
    "云端教育,YD Edu,赵六,,,100000,C,2026-11-22,,",  # 4: id not a slug
    "华兴物流,hx-logistics,,,,,A,,,",  # 5: duplicate id
    "坏金额,bad-amount,,,,一百万,A,,,",  # 6: unreadable amount
    "坏分类,bad-class,,,,,D,,,",  # 7: unknown class
    "坏日期,bad-date,,,,,B,2026-13-01,,",  # 8: bad date
    "海川能源,hc-energy,孙丽,12345,李娜,260000,c,2026年11月23日,2025-01-10,",  # 9: bad phone, new engineer
    "蓝湾酒店,,周一,,张伟,,A,2026-11-24,,",  # 10: no id: the name's pinyin
]


@pytest.fixture
def kb(tmp_path: Path, run_kb) -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "kb"
    made = run_kb("init", str(root), "--today", DAY)
    assert made.returncode == 0, made.stderr
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "kb init", date="2026-12-01T09:00:00+08:00")
    return root


def _csv(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.yml")) if ".git" not in p.parts}


def test_good_and_bad_rows(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    sheet = _csv(kb / "盘点.csv", [HEADER, *ROWS], "utf-8-sig")
    before = _tree(kb)
    dry = run_kb("import", "inventory", "盘点.csv", "--dry-run", "--today", DAY, cwd=kb)
    assert dry.returncode == 1, dry.stdout + dry.stderr
    assert "将写入 clients/hx-logistics/client.yml" in dry.stdout and "未写入任何文件" in dry.stdout
    assert _tree(kb) == before, "--dry-run writes nothing"

    r = run_kb("import", "inventory", "盘点.csv", "--today", DAY, cwd=kb)
    out = r.stdout
    assert r.returncode == 1, out + r.stderr
    assert "Traceback" not in r.stderr
    assert "盘点.csv:4:1: error inventory 客户ID“YD Edu”不可用" in out and "改为 yd-edu" in out
    assert "盘点.csv:5:1: error inventory 客户ID“hx-logistics”重复：第 2 行已有" in out
    assert "盘点.csv:6:1: error inventory 月合同金额无法识别" in out
    assert "盘点.csv:7:1: error inventory 分类“D”不是 A、B 或 C" in out
    assert "盘点.csv:8:1: error inventory 评估日期“2026-13-01”无法识别" in out
    assert "盘点.csv:9:1: warning inventory 客户经理电话“12345”" in out
    assert "盘点.csv:9:1: info inventory 现服务工程师“李娜”还没有档案：按拼音取 ID li-na" in out
    assert "盘点.csv:10:1: warning inventory 客户ID为空：按客户名称的拼音取 lan-wan-jiu-dian" in out
    assert not any(f"盘点.csv:{n}:" in out for n in (2, 3)), out

    written = sorted(p.relative_to(kb).as_posix() for p in (kb / "clients").rglob("client.yml"))
    assert written == ["clients/dq-retail/client.yml", "clients/hc-energy/client.yml", "clients/hx-logistics/client.yml",
                       "clients/lan-wan-jiu-dian/client.yml"]
    assert sorted(p.name for p in (kb / "engineers").glob("*.yml")) == ["li-na.yml", "zhang-wei.yml"]
    lw = load_file(kb, "clients/lan-wan-jiu-dian/client.yml").data
    assert lw["id"] == "lan-wan-jiu-dian" and lw["assignment"]["engineer"] == "zhang-wei", "张伟 is zhang-wei of line 2"

    hx = load_file(kb, "clients/hx-logistics/client.yml").data
    assert hx["status"] == "dedicated" and hx["name"] == "华兴物流集团"
    assert hx["transition"] == {"class": "A", "assessed_on": "2026-11-20"}
    assert hx["criteria"]["monthly_contract_cny"] == 320000
    assert hx["account_manager"] == {"name": "王敏", "email": None, "phone": "13800000000"}
    assert hx["assignment"]["engineer"] == "zhang-wei" and hx["assignment"]["since"] == "2024-09-01"
    dq = load_file(kb, "clients/dq-retail/client.yml").data
    assert dq["transition"] == {"class": "B", "assessed_on": "2026-11-21", "plan": None}
    assert dq["criteria"]["monthly_contract_cny"] == 180000
    hc = load_file(kb, "clients/hc-energy/client.yml")
    assert hc.data["transition"]["class"] == "C" and hc.data["transition"]["assessed_on"] == "2026-11-23"
    assert hc.data["assignment"]["engineer"] == "li-na" and hc.data["account_manager"]["phone"] is None
    assert load_file(kb, "engineers/li-na.yml").data["name"] == "李娜"
    assert "盘点表备注：缺 IDC 资料" in (kb / "clients/dq-retail/client.yml").read_text(encoding="utf-8")
    zw = load_file(kb, "engineers/zhang-wei.yml").data
    assert zw["id"] == "zhang-wei" and zw["name"] == "张伟"

    # kb check lists what the transition must still collect, at the dossiers' lines
    check = run_kb("check", "--today", DAY, cwd=kb)
    assert check.returncode == 1
    todo = [line for line in check.stdout.splitlines() if " error todo " in line]
    for rel in ("clients/hx-logistics/client.yml", "clients/dq-retail/client.yml", "engineers/zhang-wei.yml"):
        assert any(line.startswith(rel + ":") for line in todo), rel
    plan_line = next(i for i, t in enumerate(hc.text.splitlines(), 1) if t.lstrip().startswith("plan:"))
    assert f"clients/hc-energy/client.yml:{plan_line}:" in check.stdout
    assert not any(" schema " in line or " load " in line for line in check.stdout.splitlines()), check.stdout

    # a second run overwrites nothing and says so per row
    after = _tree(kb)
    again = run_kb("import", "inventory", str(sheet), "--today", DAY, cwd=kb)
    assert "clients/hx-logistics/client.yml 已存在，未覆盖" in again.stdout
    assert "写入 0 份客户档案、0 份工程师档案" in again.stdout
    assert _tree(kb) == after


def test_gbk_csv_is_said_not_refused(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _csv(kb / "gbk.csv", [HEADER, ROWS[0]], "gbk")
    r = run_kb("import", "inventory", "gbk.csv", "--today", DAY, cwd=kb)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "gbk.csv:1:1: info inventory 文件不是 UTF-8：按 GBK（GB 18030）读取" in r.stdout
    assert load_file(kb, "clients/hx-logistics/client.yml").data["name"] == "华兴物流集团"


def test_xlsx_with_mapped_columns_and_known_engineer(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    openpyxl = pytest.importorskip("openpyxl")
    made = run_kb("new", "engineer", "li-na", "--name", "李娜", "--level", "L2", cwd=kb)
    assert made.returncode == 0, made.stderr
    policy = kb / "policy.yml"
    text = policy.read_text(encoding="utf-8")
    assert "    class: 分类\n" in text, "kb init writes inventory.columns with the defaults"
    policy.write_text(text.replace("    class: 分类\n", "    class: 过渡分类\n"), encoding="utf-8")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["过渡期盘点表（运维经理）"])  # a title row above the header
    ws.append(["客户名称", "客户ID", "客户经理", "现服务工程师", "月合同金额", "过渡分类", "评估日期", "级别"])
    ws.append(["海川能源", "hc-energy", "孙丽", "李娜", 260000, "B", dt.datetime(2026, 11, 23), "金"])  # row 3
    ws.append(["蓝湾酒店", "lw-hotel", "周一", "李娜", 90000.5, "A", dt.datetime(2026, 11, 24), ""])  # row 4: amount
    ws.append(["绿洲医药", "lz-pharma", "吴二", "", "", "A", "", "钻石"])  # row 5: tier
    wb.save(kb / "盘点.xlsx")

    r = run_kb("import", "inventory", "盘点.xlsx", "--today", DAY, cwd=kb)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "盘点.xlsx:4:1: error inventory 月合同金额“90000.5”应为不小于 0 的整数元" in r.stdout
    assert "盘点.xlsx:5:1: error inventory 级别“钻石”" in r.stdout
    hc = load_file(kb, "clients/hc-energy/client.yml").data
    assert hc["assignment"]["engineer"] == "li-na", "a name an engineer file holds is its id"
    assert hc["tier"] == "gold" and hc["transition"] == {"class": "B", "assessed_on": "2026-11-23", "plan": None}
    assert not (kb / "clients" / "lw-hotel").exists() and not (kb / "clients" / "lz-pharma").exists()
    assert sorted(p.name for p in (kb / "engineers").glob("*.yml")) == ["li-na.yml"]


def test_missing_required_column_refuses_the_file(kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    _csv(kb / "x.csv", ["客户名称,客户ID", "华兴物流集团,hx-logistics"], "utf-8")
    r = run_kb("import", "inventory", "x.csv", "--today", DAY, cwd=kb)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "x.csv:1:1: error inventory" in r.stdout and "分类" in r.stdout
    assert "未写入任何文件" in r.stderr
    assert not (kb / "clients" / "hx-logistics").exists()


def test_ids_from_names() -> None:
    from generator.inventory import slug_from

    assert slug_from("张伟") == "zhang-wei"
    assert slug_from("华兴物流集团") == "hua-xing-wu-liu-ji-tuan"
    assert slug_from("ABC 物流") == "abc-wu-liu"
    assert slug_from("YD Edu") == "yd-edu"
    assert slug_from("——") is None
    long = slug_from("中华人民共和国国家发展和改革委员会直属机关事务管理局信息中心")
    assert long is not None and len(long) <= 64 and not long.endswith("-")


def test_the_example_inventory(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    """examples/inventory-2025-08.csv is the example company's §10.4 inventory: imported into a
    new KB it gives the example's three pre-existing clients with the classes and dates their
    dossiers hold; imported into the example KB it writes nothing."""
    sheet = REPO / "examples" / "inventory-2025-08.csv"
    kb = tmp_path / "kb"
    assert run_kb("init", str(kb), "--today", "2025-08-25").returncode == 0
    r = run_kb("import", "inventory", str(sheet), "--today", "2025-08-25", cwd=kb)
    assert r.returncode == 0, r.stdout + r.stderr
    for cid in ("hx-logistics", "ms-retail", "ty-edu"):
        ours = load_file(REPO, f"clients/{cid}/client.yml").data
        new = load_file(kb, f"clients/{cid}/client.yml").data
        assert new["name"] == ours["name"] and new["tier"] == ours["tier"]
        assert new["transition"]["class"] == ours["transition"]["class"]
        assert new["transition"]["assessed_on"] == ours["transition"]["assessed_on"]
        assert new["criteria"]["monthly_contract_cny"] == ours["criteria"]["monthly_contract_cny"]
        assert new["account_manager"]["phone"] == ours["account_manager"]["phone"]
    assert sorted(p.stem for p in (kb / "engineers").glob("*.yml")) == ["liu-yang", "wang-fang", "zhang-wei"]

    example = tmp_path / "example"
    for part in ("clients", "engineers", "policy.yml", "schemas"):
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, example / part)
        else:
            (example / part).write_bytes(src.read_bytes())
    before = _tree(example)
    again = run_kb("import", "inventory", str(sheet), "--today", DAY, cwd=example)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("已存在，未覆盖") == 3
    assert _tree(example) == before
