"""`erpconsole audit head` and `audit verify [--expect HASH]` on a store someone rewrote with
sqlite3, and on a store on read-only media."""

from __future__ import annotations

import re
import sqlite3

import pytest

from erpconsole.cli import main
from erpconsole.services.store import Store

from .tampering import cut_tail, edit_and_recompute, replace_checkpoints

T0 = 1_800_000_000.0


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "store.sqlite3"
    s = Store(f"sqlite:///{p}")
    for i in range(20):
        s.audit.append("db.cancel", "erp-db", {"pid": i}, actor="alice@ws1", ts=T0 + i)
    s.close()
    return p


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def head(capsys, path) -> tuple[str, int, str]:
    code, out, err = cli(capsys, "audit", "head", "--store", f"sqlite:///{path}")
    assert (code, err) == (0, "")
    digest, count, signature = out.split()
    return digest, int(count), signature


def test_head_prints_hash_rows_and_signature(capsys, path) -> None:
    digest, count, signature = head(capsys, path)
    assert re.fullmatch(r"[0-9a-f]{64}", digest) and re.fullmatch(r"[0-9a-f]{64}", signature)
    assert count == 20
    assert head(capsys, path) == (digest, count, signature)  # the same head, the same checkpoint
    code, out, _ = cli(capsys, "audit", "verify", "--store", f"sqlite:///{path}", "--expect", digest)
    assert code == 0
    assert out.splitlines() == [f"OK: 20 rows, head {digest}",
                                out.splitlines()[1], f"the head you kept, {digest}, is in the chain"]
    assert out.splitlines()[1].startswith("held against 1 signed checkpoint, the newest of ")


def test_a_cut_tail_exits_2_against_the_kept_head(capsys, path) -> None:
    kept, _, _ = head(capsys, path)
    cut_tail(path, 8)
    code, out, _ = cli(capsys, "audit", "verify", "--store", f"sqlite:///{path}", "--expect", kept)
    assert code == 2
    assert out.startswith(f"CRITICAL: the head you kept, {kept}, is not in the chain any more")
    assert "12 rows" in out and "Restore the store from a backup" in out
    code, out, _ = cli(capsys, "audit", "verify", "--store", f"sqlite:///{path}")
    assert code == 2  # the signed checkpoint in the store says so too
    assert "signed 20 rows, but the chain has only 12 rows: rows were removed from its end" in out


def test_a_recomputed_chain_exits_2(capsys, path) -> None:
    head(capsys, path)
    edit_and_recompute(path, 3, "mallory@ws9")
    code, out, _ = cli(capsys, "audit", "verify", "--store", f"sqlite:///{path}")
    assert code == 2
    assert out.startswith("CRITICAL: checkpoint 1 of ") and "the chain was recomputed" in out
    code, _, err = cli(capsys, "audit", "head", "--store", f"sqlite:///{path}")
    assert code == 2 and "was not signed" in err  # the rewritten head is not signed


def test_checkpoints_forged_without_the_key_exit_2(capsys, path) -> None:
    head(capsys, path)
    new_head = edit_and_recompute(path, 3, "mallory@ws9")
    replace_checkpoints(path, new_head, 20, T0 + 100, b"not the console's key")
    code, out, _ = cli(capsys, "audit", "verify", "--store", f"sqlite:///{path}")
    assert code == 2
    assert "does not carry a signature made with the key here" in out


def test_expect_takes_a_hash_only(capsys, path) -> None:
    code, _, err = cli(capsys, "audit", "verify", "--store", f"sqlite:///{path}", "--expect", "abc")
    assert code == 3 and "64 hex digits" in err


def test_verify_opens_a_read_only_store_without_writing(capsys, path) -> None:
    """A copy on read-only media: no WAL switch, no -wal or -shm beside it, nothing changed.
    chmod alone does not stop root, so the journal mode and the folder's files are checked."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")  # as a copy on a CD or a USB stick might be
    conn.close()
    digest, _, _ = head(capsys, path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    before = path.read_bytes()
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        code, out, _ = cli(capsys, "audit", "verify", "--store", f"sqlite:///{path}", "--expect", digest)
        assert code == 0 and out.startswith("OK: 20 rows")
        assert cli(capsys, "audit", "list", "--store", f"sqlite:///{path}", "--limit", "1")[0] == 0
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)
    assert sorted(p.name for p in path.parent.iterdir()) == ["store.sqlite3"]
    assert path.read_bytes() == before
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
