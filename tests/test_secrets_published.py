"""Secrets are never published, and the scan finds them whatever a file is called.

A KB under a dot folder holds secrets in YAML text (``special_notes: …密码是 …``,
``crypto isakmp key …`` in the network model, an account manager's name) and in attachments
without a text suffix (``running-config``, ``id_ed25519``, a ``.bak``, a "``.png``" that is text,
a hidden ``.env``). The real `kb check` reports each at its line; the real `kb build` (not
``--strict``) and the exports publish none of the flagged values — every file of ``public/``
is searched, the Word forms unzipped and the search index decoded — and show the placeholder
instead; `kb import application --force` refuses to write a secret into the dossier.
"""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from generator.load import load_text
from generator.redact import PLACEHOLDER, redact_kb, scalar_spans, withheld
from generator.rules.secrets import scan_line, scan_text

from .conftest import REPO, copy_base, init_repo
from .test_boundary import _published_text, _site_files

CLIENT = "clients/acme/client.yml"
HANDOFF = "clients/acme/handoffs/t-2026-001.yml"
# Every value below is a secret the scan must flag; none may reach an output.
SECRETS = {
    "special_notes": "Pw-7Hq2Zx9",
    "network_model": "Psk-K3y9W",
    "account_manager": "Am-P4ss-31",
    "running-config": "Comm-R0-5521",
    "enable": "En-S3cr3t-88",
    "id_ed25519": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWQyNTUxOQ",
    "png": "Png-Pa55-123",
    "bak": "Bak-Ciph3r-77",
    "env": "Env-Hidd3n-42",
}


def _secret_kb(tmp_path: Path) -> Path:
    kb = copy_base(tmp_path / ".hidden" / "kb")
    _site_files(kb)
    c = kb / CLIENT
    text = c.read_text(encoding="utf-8")
    for old, new in (
        (
            "special_notes: 每月第一个周六 22:00 为变更窗口",
            f"special_notes: 每月第一个周六 22:00 为变更窗口，堡垒机密码是 {SECRETS['special_notes']}",
        ),
        (
            "network_model: 总部与 IDC 为核心，HUB 汇聚区域仓库",
            f"network_model: |\n    总部与 IDC 为核心，HUB 汇聚区域仓库\n    crypto isakmp key {SECRETS['network_model']} address 0.0.0.0",
        ),
        ("account_manager: {name: 王敏,", f"account_manager: {{name: 王敏 口令：{SECRETS['account_manager']},"),
        (
            "    - {title: 全网拓扑图, path: files/topology.png}",
            "    - {title: 全网拓扑图, path: files/topology.png}\n"
            "    - {title: 运维密钥, path: files/id_ed25519}\n"
            "    - {title: 拓扑截图, path: files/diagram.png}\n"
            "    - {title: 配置备份, path: files/core.bak}",
        ),
        (
            "sync: {cadence: monthly}",
            "sync: {cadence: monthly}\nrenewals: [{year: 2026, renewed_on: 2026-08-20, bonus_cny: 120000}]",
        ),
    ):
        assert old in text, old
        text = text.replace(old, new)
    c.write_text(text, encoding="utf-8")
    h = kb / HANDOFF
    h.write_text(
        h.read_text(encoding="utf-8").replace(
            "  logs: [files/ipsec.log]", "  logs: [files/ipsec.log, files/running-config]"
        ),
        encoding="utf-8",
    )
    files = kb / "clients" / "acme" / "files"
    (files / "running-config").write_text(
        f"hostname acme-core\nsnmp-server community {SECRETS['running-config']} RO\n"
        f"enable secret 0 {SECRETS['enable']}\n",
        encoding="utf-8",
    )
    (files / "id_ed25519").write_text(
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRETS['id_ed25519']}\n-----END OPENSSH PRIVATE KEY-----\n",
        encoding="utf-8",
    )
    (files / "diagram.png").write_text(f"password: {SECRETS['png']}\n", encoding="utf-8")  # text, whatever its name
    (files / "core.bak").write_text(
        f"aaa\n local-user admin password irreversible-cipher {SECRETS['bak']}\n", encoding="utf-8"
    )
    (files / ".env").write_text(f"DB_PASSWORD={SECRETS['env']}\n", encoding="utf-8")
    return init_repo(kb)


def _line_of(kb: Path, rel: str, needle: str) -> int:
    lines = (kb / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _leaks(text: str) -> list[str]:
    return [k for k, v in SECRETS.items() if v in text]


@pytest.fixture(scope="module")
def secret_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _secret_kb(tmp_path_factory.mktemp("secrets"))


def test_check_finds_each_secret_at_its_line(secret_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("check", "--root", str(secret_kb), "--today", "2026-11-24", "--format", "json")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    got = sorted((f["file"], f["line"]) for f in json.loads(r.stdout) if f["rule"] == "secret")
    kb = secret_kb
    want = sorted(
        [
            (CLIENT, _line_of(kb, CLIENT, SECRETS["special_notes"])),
            (CLIENT, _line_of(kb, CLIENT, SECRETS["network_model"])),
            (CLIENT, _line_of(kb, CLIENT, SECRETS["account_manager"])),
            ("clients/acme/files/running-config", 2),
            ("clients/acme/files/running-config", 3),
            ("clients/acme/files/id_ed25519", 1),
            ("clients/acme/files/diagram.png", 1),
            ("clients/acme/files/core.bak", 2),
            ("clients/acme/files/.env", 1),
        ]
    )
    assert got == want
    assert not _leaks(r.stdout)  # the finding never echoes the value


def test_build_publishes_no_flagged_value(secret_kb: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    r = run_kb("build", "--root", str(secret_kb), "--today", "2026-11-24")
    assert r.returncode == 0 and "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
    public = secret_kb / "public"
    seen = 0
    for path, text in _published_text(public):
        assert not _leaks(text), (path, _leaks(text))
        seen += 1
    assert seen > 20
    page = (public / "generated" / "clients" / "acme.html").read_text(encoding="utf-8")
    assert page.count(PLACEHOLDER.zh) >= 6  # notes, network model, account manager, three attachments
    files = public / "generated" / "clients" / "acme" / "files"
    assert (files / "topology.png").is_file() and (files / "ipsec.log").is_file()  # the clean ones
    for name in ("running-config", "id_ed25519", "diagram.png", "core.bak", ".env"):
        assert not (files / name).exists(), name
    index = dict(_published_text(public))[public / "search" / "search_index.json"]
    assert PLACEHOLDER.zh in index
    booklet = next((public / "forms" / "acme").glob("客户运维知识库-*.docx"))
    with zipfile.ZipFile(booklet) as z:
        assert PLACEHOLDER.zh in z.read("word/document.xml").decode("utf-8")


def test_exports_carry_the_placeholder(secret_kb: Path, run_kb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = ["--root", str(secret_kb), "--today", "2026-11-24"]
    routing = run_kb("export", "routing", *root, "-o", "-")
    assert routing.returncode == 0, routing.stderr
    rows = list(csv.DictReader(io.StringIO(routing.stdout.lstrip("\ufeff"))))
    assert rows[0]["account_manager"] == PLACEHOLDER.zh
    as_json = run_kb("export", "routing", *root, "--format", "json", "-o", "-")
    assert PLACEHOLDER.zh in as_json.stdout and not _leaks(as_json.stdout)
    report = run_kb("export", "incentives", *root, "--year", "2026", "--format", "csv", "-o", "-")
    assert report.returncode == 0, report.stderr
    assert PLACEHOLDER.zh in report.stdout and not _leaks(report.stdout)
    xlsx = tmp_path / "incentives.xlsx"
    assert run_kb("export", "incentives", *root, "--year", "2026", "-o", str(xlsx)).returncode == 0
    cells = [str(c.value) for row in openpyxl.load_workbook(xlsx).active.iter_rows() for c in row]
    assert PLACEHOLDER.zh in cells and not _leaks("\n".join(cells))
    booklet = tmp_path / "booklet.docx"
    assert run_kb("export", "kb", "acme", *root, "-o", str(booklet)).returncode == 0
    with zipfile.ZipFile(booklet) as z:
        assert not _leaks("".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()))


def test_english_build_says_the_placeholder_in_english(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = _secret_kb(tmp_path)
    r = run_kb("build", "--root", str(kb), "--today", "2026-11-24", "--no-forms", "--lang", "en")
    assert r.returncode == 0, r.stderr
    page = html.unescape((kb / "public" / "generated" / "clients" / "acme.html").read_text(encoding="utf-8"))
    assert "[withheld: suspected secret, see kb check]" in page and not _leaks(page)


def test_import_refuses_to_write_a_secret(tmp_path: Path, run_kb) -> None:  # type: ignore[no-untyped-def]
    kb = init_repo(copy_base(tmp_path / "kb"))
    form = tmp_path / "acme.docx"
    assert run_kb("export", "application", "acme", "--root", str(kb), "-o", str(form)).returncode == 0
    doc = Document(str(form))
    cells = [c for t in doc.tables for row in t.rows for c in row.cells if c.text == "区域物流与仓储"]
    assert cells, "the form carries business.main_business"
    cells[0].text = "区域物流与仓储；VPN 密码是 Imp0rt-Pw-44"
    doc.save(str(form))
    before = (kb / CLIENT).read_bytes()
    r = run_kb("import", "application", str(form), "--root", str(kb), "--force")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "business.main_business" in r.stderr and "--force 也不写" in r.stderr
    assert "Imp0rt-Pw-44" not in r.stdout + r.stderr
    assert (kb / CLIENT).read_bytes() == before
    shutil.rmtree(kb / "clients" / "acme")  # a new dossier is refused the same way
    r = run_kb("import", "application", str(form), "--root", str(kb))
    assert r.returncode == 1 and not (kb / CLIENT).exists()


# ------------------------------------------------------------------ what is withheld


def test_withheld_is_the_flagged_value_only() -> None:
    text = (
        "id: acme  # password: Hunter-22x\n"
        "name: 艾克美\n"
        "sites:\n"
        "  - {id: hq, name: 总部, wan_password: Wan-Pw-77}\n"
        "note: |\n"
        "  第一行\n"
        "  密码：Blk-Pw-90\n"
    )
    loaded = load_text(text, CLIENT)
    findings = list(scan_text(CLIENT, text))
    assert [f.line for f in findings] == [1, 4, 7]
    w = withheld(findings, {CLIENT: loaded})
    assert dict(w.values[CLIENT]) == {("sites", 0, "wan_password"): "Wan-Pw-77", ("note",): "第一行\n密码：Blk-Pw-90\n"}
    spans = scalar_spans(text)
    assert [p for p, *_ in spans] == [
        ("id",),
        ("name",),
        ("sites", 0, "id"),
        ("sites", 0, "name"),
        ("sites", 0, "wan_password"),
        ("note",),
    ]


def test_redaction_replaces_model_values_and_attachment_references(tmp_path: Path) -> None:
    from generator.pipeline import check

    kb = _secret_kb(tmp_path)
    outcome = check(kb, __import__("datetime").date(2026, 11, 24))
    c = outcome.kb.clients["acme"]
    assert c.knowledge_base is not None and c.knowledge_base.special_notes == PLACEHOLDER.zh
    assert c.account_manager is not None and c.account_manager.name == PLACEHOLDER.zh
    assert c.account_manager.email == "wangmin@example.com"  # the values before the flagged one stay
    paths = [a.path for a in c.knowledge_base.attachments]
    assert paths == ["files/topology.png", PLACEHOLDER.zh, PLACEHOLDER.zh, PLACEHOLDER.zh]
    assert c.handoffs[0].report is not None and c.handoffs[0].report.logs == ("files/ipsec.log", PLACEHOLDER.zh)
    assert outcome.withheld.covers("clients/acme/files/running-config")
    # nothing withheld: the very same model
    assert redact_kb(outcome.kb, type(outcome.withheld)()) is outcome.kb


# ------------------------------------------------------------------ the scan


CONFIG_LINES = [
    "crypto isakmp key Cisco123 address 0.0.0.0 0.0.0.0",
    "crypto isakmp key 6 FLgBaJHXdYY_AcHZZMgQ_RhTDJXHUBAAB address 10.1.1.1",
    " pre-shared-key cipher %^%#JvZxR2g8c;a9*c3p`S:Bx'E%^%#",
    " pre-shared-key address 10.1.1.1 255.255.255.255 key cipher $c$3$abcdefghijk=",
    "ipsec pre-shared-key Psk!2026",
    " ikev1 pre-shared-key Asa-Psk-1",
    'set security ike policy p1 pre-shared-key ascii-text "$9$abcDEF123"',
    '    pre-shared-key ascii-text "$9$abcDEF123"; ## SECRET-DATA',
    "        set psksecret ENC hrH6h4Y6iTjDqC9cFuDnQ9P0=",
    "snmp-server community S3cretComm RO 10",
    "snmp-agent community read cipher %^%#h,FY0!~vA3%^%#",
    "snmp-agent community write simple PrivateRW",
    "set snmp community Jnpr-Comm authorization read-only",
    "set community Forti-Comm",
    "tacacs-server key 7 0822455D0A16",
    "radius-server key Rad1usKey",
    "radius-server host 10.1.1.5 auth-port 1812 key 0 Rad1usKey",
    'set system radius-server 10.1.1.5 secret "$9$xyzXYZ"',
    "hwtacacs-server shared-key cipher %^%#abcdef%^%#",
    " radius-server shared-key cipher %^%#abcdef%^%#",
    " key authentication cipher $c$3$xyzXYZ=",
    " key 7 0822455D0A16",
    "enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
    "enable password Cisco123",
    "enable secret level 15 5 $1$abc$abcdefghijklmnopqrstuv",
    "super password level 15 cipher %^%#abcdef%^%#",
    " local-user admin password irreversible-cipher $1a$abc$def",
    " password hash $h$6$abcdefgh",
    " password simple Admin@123",
    "username admin privilege 15 secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM",
    "username netops password 0 N3tops!",
    "    set password ENC SH2nlSm9QL9tapcHPXIqAXvX7vBJuuqu6pPmMsbC8=",
    " ip ospf authentication-key 7 0822455D0A16",
    " ip ospf message-digest-key 1 md5 7 0822455D0A16",
    ' authentication-key "$9$abcDEF"',
    " ospf authentication-mode md5 1 cipher %^%#abcdef%^%#",
    " neighbor 10.0.0.1 password 7 0822455D0A16",
    " peer 10.0.0.1 password cipher %^%#abcdef%^%#",
    "  key-string 7 0822455D0A16",
    'set system root-authentication encrypted-password "$6$abc$defghijklmnopqrstuvwxyz"',
    "-----BEGIN OPENSSH PRIVATE KEY-----",
    "PuTTY-User-Key-File-3: ssh-ed25519",
    "密码：Abc123!",
    "管理口令为 Adm1n@2026",
    "预共享密钥：Psk-2026-hx",
    "SNMP 团体名 Comm2026Ro",
    "PSK：Psk2026Hx",
]

# Prose about credentials, as engineers write it in dossiers, meeting notes and logs: no value.
PROSE = [
    "登录失败时先确认 VPN 密码是否过期。",
    "客户要求每 90 天更换一次管理员密码，密码长度不少于 12 位。",
    "密码为空时设备拒绝 SSH 登录。",
    "两端 pre-shared-key 不一致导致 IKE 第一阶段协商失败。",
    "排查发现 snmp-server community 配置错误，监控平台取不到数据。",
    "密钥由客户安全部门自行保管，我方不留存。",
    "IPsec 预共享密钥已存入密码库（vault:network/hx/fw01）。",
    "enable secret 已改为 type 9 哈希，旧的 type 7 口令作废。",
    "TACACS 服务器不可达时，设备回退到本地口令认证。",
    "密码策略：8-16 位，须含大小写字母和数字。",
    "密码为 8-16 位字母数字组合。",
    "密钥为 AES-256，证书由客户 CA 签发。",
    "radius-server key mismatch 导致 802.1X 认证失败。",
    "口令错误超过 5 次账号锁定 30 分钟。",
    "变更前备份 running-config，配置中的 password 字段统一用 cipher 形式。",
    "请勿在工单中粘贴设备密码或 SNMP 团体名。",
    "共享密钥 由客户经理线下交接。",
    "钉钉机器人的 access_token 放在 CI 变量 KB_DINGTALK_URL 中。",
    "set password 命令需在 config system admin 下执行。",
    "crypto isakmp key 需与对端一致，地址写对端公网 IP。",
    "username 与 password 都由客户提供。",
    "口令: ******",
    "snmp-agent community read 需要配置 ACL 限制来源。",
    '出现 "IKE phase 1: pre-shared-key mismatch" 告警。',
    "华为设备 local-user 的 password irreversible-cipher 形式不可逆。",
    "密码是 8 位纯数字的老设备需要升级固件。",
    "巡检时执行 display current-configuration | include snmp 检查团体名。",
    "请将 enable password 改为 enable secret。",
    "密钥长度 2048 位。",
    "FortiGate 的 set psksecret 需要两端一致。",
    "%SNMP-3-AUTHFAIL: Authentication failure for SNMP req from host 10.1.1.1 (community string mismatch)",
    "snmp-server community string must be changed from the default",
    "radius-server host 10.1.1.5 auth-port 1812 acct-port 1813",
    "2026-10-14 14:02:11 ike[2211]: IKEv2 SA established peer=10.80.0.2 spi=0x9c1e22a0",
    "webhook 的 `access_token=` 参数不要写进仓库。",
]


@pytest.mark.parametrize("line", CONFIG_LINES)
def test_device_configuration_lines_are_found(line: str) -> None:
    assert list(scan_line(line)), line


@pytest.mark.parametrize("line", PROSE)
def test_prose_about_credentials_is_not_a_secret(line: str) -> None:
    assert not list(scan_line(line)), line


def test_false_positives_on_the_example_kb_and_the_policy() -> None:
    """The example KB (every file under clients/ and engineers/, policy.yml) holds no secret: the
    scan must say nothing there. The policy text is beside the repository when shared/ is."""
    from generator.textfiles import decode, is_binary

    paths = [p for top in ("clients", "engineers") for p in sorted((REPO / top).rglob("*")) if p.is_file()]
    paths.append(REPO / "policy.yml")
    policy = REPO.parent / "shared" / "policy" / "dedicated-engineer-policy-v4.md"
    if policy.is_file():
        paths.append(policy)
    found = []
    for p in paths:
        raw = p.read_bytes()
        if not is_binary(raw[:8192]):
            found += [f"{p}:{f.line}" for f in scan_text(str(p), decode(raw))]
    assert found == []
