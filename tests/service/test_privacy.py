"""Personal data never reaches the feedback store: the redactor, and the store that uses it."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from service.db import schema
from service.db.engine import Database
from service.feedback import FeedbackStore
from service.privacy import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的身份证110101199003071234，低保怎么办", "我的身份证[身份证号]，低保怎么办"),
        ("身份证号11010119900307123X", "身份证号[身份证号]"),
        ("打13812345678或138-1234-5678找我", "打[手机号]或[手机号]找我"),
        ("+86 139 1234 5678", "[手机号]"),
        ("座机010-12345678，(0571)87654321", "座机[电话]，[电话]"),
        ("发到 zhang.san@example.com 谢谢", "发到 [邮箱] 谢谢"),
        ("卡号6222 0212 3456 7890 123", "卡号[银行卡号]"),
    ],
)
def test_personal_numbers_become_markers(text: str, expected: str) -> None:
    assert redact(text) == (expected, True)


@pytest.mark.parametrize(
    "text", ["森林覆盖率达到77.57%", "2024年受理3119件", "12345热线满意率", "三公经费预算38万元", "0.5%"]
)
def test_report_figures_stay(text: str) -> None:
    assert redact(text) == (text, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我叫张三丰，身份证110101199003071234", "我叫[姓名]，身份证[身份证号]"),
        ("我叫张三丰身份证110101199003071234", "我叫[姓名]身份证[身份证号]"),  # the name ends where 身份证 begins
        ("我叫李四想问低保怎么申请", "我叫[姓名]想问低保怎么申请"),
        ("我叫王五35岁，能领养老金吗", "我叫[姓名]35岁，能领养老金吗"),
        ("本人叫王小明，家住怀柔", "本人叫[姓名]，家住怀柔"),
        ("我的名字是欧阳娜娜。", "我的名字是[姓名]。"),
        ("姓名：李雷 电话010-12345678", "姓名：[姓名] 电话[电话]"),
        ("我叫张三", "我叫[姓名]"),
        # No word that usually follows a name: three characters go (a word lost beats a name kept).
        ("我叫张三丰收年", "我叫[姓名]收年"),
        # 我是 introduces a name only when an ID or phone number follows it.
        ("我是张三，身份证110101199003071234", "我是[姓名]，身份证[身份证号]"),
        ("我是张三丰，手机号：13812345678", "我是[姓名]，手机号：[手机号]"),
    ],
)
def test_names_people_introduce_themselves_with_become_markers(text: str, expected: str) -> None:
    assert redact(text) == (expected, True)


@pytest.mark.parametrize(
    "text",
    [
        "我是学生，想问助学金",  # 我是 + what someone is, not who
        "我是低保户",
        "我是退休职工，电话多少",
        "我叫了出租车",  # 叫 as "call"
        "我叫不出这个政策的名字",
        "姓名变更怎么办理",
    ],
)
def test_words_that_are_not_names_stay(text: str) -> None:
    assert redact(text) == (text, False)


def test_the_store_keeps_no_personal_data_is_owner_only_and_forgets_old_rows(tmp_path: Path) -> None:
    db = tmp_path / "fb.sqlite3"
    store = FeedbackStore.open(db, None, retention_days=30)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    store.add(
        query="我叫张三，电话13812345678，低保怎么申请",
        passage_id="p1",
        helpful=False,
        comment="请回电 zhang@example.com 或 010-12345678",
        client_ip="203.0.113.5",
        index_build=None,
    )
    raw = db.read_bytes() + (
        db.with_name(db.name + "-wal").read_bytes() if db.with_name(db.name + "-wal").exists() else b""
    )
    assert b"13812345678" not in raw and b"zhang@example.com" not in raw and b"12345678" not in raw
    item = store.recent().feedback[0]
    assert item.query == "我叫[姓名]，电话[手机号]，低保怎么申请"  # staff see that something was there
    assert item.comment == "请回电 [邮箱] 或 [电话]"
    # A row older than the retention period is deleted when the store opens (and on each new entry).
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO feedback (created_at, query, passage_id, helpful, client_key) VALUES (?, 'old', 'p', 1, 'k')",
            (old,),
        )
    assert store.summary().total == 2
    reopened = FeedbackStore.open(db, None, retention_days=30)
    assert reopened.summary().total == 1 and reopened.recent().feedback[0].passage_id == "p1"
    kept = FeedbackStore.open(tmp_path / "keep.sqlite3", None, retention_days=0)
    assert kept.retention_days == 0  # 0 keeps everything


def test_rows_older_than_the_retention_period_are_deleted(db: Database) -> None:
    store = FeedbackStore.open(db, SecretStr("configured-secret-0123456789"), retention_days=30)
    store.add(query="新的", passage_id="p1", helpful=True, comment=None, client_ip="203.0.113.5", index_build=None)
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    with db.transaction(write=True) as conn:
        conn.execute(
            schema.feedback.insert().values(created_at=old, query="old", passage_id="p", helpful=1, client_key="k")
        )
    assert store.summary().total == 2
    store.add(query="再一条", passage_id="p2", helpful=False, comment=None, client_ip="203.0.113.5", index_build=None)
    assert store.summary().total == 2 and {f.query for f in store.recent().feedback} == {"新的", "再一条"}
