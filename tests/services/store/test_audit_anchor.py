"""The audit trail anchored outside the store: signed checkpoints and a head kept elsewhere
find a cut tail and a chain recomputed with the console's own hash function, which the chain
alone cannot."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from erpconsole.services.secrets import SecretStore
from erpconsole.services.store import Store
from erpconsole.services.store import audit_anchor as anchor
from erpconsole.services.store.audit_key import KEY_ENV, KEY_NAME, AuditKey

from .tampering import cut_tail, edit_and_recompute, replace_checkpoints

T0 = 1_800_000_000.0


def fill(store: Store, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.audit.append("db.terminate", "erp-db", {"pid": i}, actor="alice@ws1", ts=T0 + i)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "store.sqlite3"


@pytest.fixture
def store(path):
    s = Store(f"sqlite:///{path}")
    yield s
    s.close()


@pytest.fixture
def key() -> AuditKey:
    return AuditKey(SecretStore())


def test_an_untouched_chain_with_checkpoints_verifies(store, key) -> None:
    fill(store, 5)
    first = anchor.checkpoint(store.engine, key, now=T0 + 10)
    fill(store, 3, 5)
    second = anchor.checkpoint(store.engine, key, now=T0 + 20)
    assert (first.count, second.count) == (5, 8)
    assert len(first.head) == 64 and len(first.signature) == 64
    found = anchor.verify(store.engine, key, expect=first.head)
    assert (found.status, found.checkpoints, found.latest) == (anchor.OK, 2, second)
    assert anchor.verify(store.engine, key).ok


def test_a_head_that_has_not_moved_is_not_signed_again(store, key) -> None:
    fill(store, 2)
    first = anchor.checkpoint(store.engine, key, now=T0 + 10)
    assert anchor.checkpoint(store.engine, key, now=T0 + 20) == first
    assert len(anchor.checkpoints(store.engine)) == 1


def test_each_checkpoint_is_in_the_event_log_and_no_key_is_in_the_store(store, key, memory_keyring) -> None:
    fill(store, 2)
    mark = anchor.checkpoint(store.engine, key, now=T0 + 10)
    event = store.recent_events(5, target="audit")[0]
    assert event.kind == "audit.head"
    assert mark.head in event.message and mark.signature in event.message
    secret = memory_keyring.store[("erpconsole", KEY_NAME)]
    assert len(secret) == 64
    dump = "\n".join(store.engine.raw_connection().driver_connection.iterdump())
    assert secret not in dump and secret not in event.message + event.detail


def test_a_chain_without_checkpoints_is_a_warning(store, key) -> None:
    fill(store, 3)
    found = anchor.verify(store.engine, key)
    assert found.status == anchor.UNANCHORED and anchor.EXIT_CODES[found.status] == 1
    assert "audit head" in found.message
    assert anchor.verify(store.engine, key, expect=found.chain.head).ok
    assert anchor.verify(Store("sqlite://").engine, key).ok  # nothing written, nothing to anchor


def test_a_cut_tail_fails_against_the_checkpoint_and_the_kept_head(store, key, path) -> None:
    fill(store, 20)
    kept = anchor.checkpoint(store.engine, key, now=T0 + 30)
    assert anchor.verify(store.engine, key).ok
    cut_tail(path, 8)
    chain = store.audit.verify()
    assert (chain.ok, chain.count) == (True, 12)  # the chain alone sees nothing wrong
    found = anchor.verify(store.engine, key)
    assert found.status == anchor.TRUNCATED and anchor.EXIT_CODES[found.status] == 2
    assert "signed 20 rows, but the chain has only 12 rows" in found.message
    found = anchor.verify(store.engine, key, expect=kept.head)
    assert found.status == anchor.MISSING and kept.head in found.message
    assert "removed from its end" in found.message and "Restore" in found.message


def test_a_recomputed_chain_fails_against_the_signed_head(store, key, path) -> None:
    fill(store, 6)
    kept = anchor.checkpoint(store.engine, key, now=T0 + 30)
    new_head = edit_and_recompute(path, 2, "mallory@ws9")
    assert store.audit.verify().ok and store.audit.verify().head == new_head
    found = anchor.verify(store.engine, key)
    assert found.status == anchor.REWRITTEN and anchor.EXIT_CODES[found.status] == 2
    assert f"signed head {kept.head} at row 6" in found.message and new_head in found.message
    with pytest.raises(anchor.AuditAnchorError, match="not signed"):
        anchor.checkpoint(store.engine, key)  # a rewritten chain is never signed
    assert len(anchor.checkpoints(store.engine)) == 1


def test_checkpoints_rewritten_without_the_key_fail_their_signature(store, key, path) -> None:
    fill(store, 6)
    anchor.checkpoint(store.engine, key, now=T0 + 30)
    new_head = edit_and_recompute(path, 2, "mallory@ws9")
    replace_checkpoints(path, new_head, 6, T0 + 40, b"a key of their own")
    found = anchor.verify(store.engine, key)
    assert found.status == anchor.FORGED and anchor.EXIT_CODES[found.status] == 2
    assert "does not carry a signature made with the key here" in found.message


def test_without_the_key_the_signatures_are_unknown(store, key, memory_keyring) -> None:
    fill(store, 2)
    mark = anchor.checkpoint(store.engine, key)
    del memory_keyring.store[("erpconsole", KEY_NAME)]
    found = anchor.verify(store.engine, AuditKey(SecretStore()))
    assert found.status == anchor.NO_KEY and anchor.EXIT_CODES[found.status] == 3
    assert KEY_ENV in found.message
    assert anchor.verify(store.engine, AuditKey(SecretStore()), expect=mark.head).ok


def test_the_key_may_come_from_the_environment(store, monkeypatch, memory_keyring) -> None:
    monkeypatch.setenv(KEY_ENV, "k" * 64)
    fill(store, 2)
    anchor.checkpoint(store.engine, AuditKey(SecretStore()))
    assert memory_keyring.store == {}  # none generated: the environment's key signs
    monkeypatch.setenv(KEY_ENV, "another")
    assert anchor.verify(store.engine, AuditKey(SecretStore())).status == anchor.FORGED


def test_no_keyring_to_keep_a_key_signs_nothing(store, monkeypatch) -> None:
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    keyring.set_keyring(NullKeyring())
    fill(store, 2)
    with pytest.raises(anchor.AuditAnchorError, match=KEY_ENV):
        anchor.checkpoint(store.engine, AuditKey(SecretStore()))
    assert anchor.checkpoints(store.engine) == []


def test_checkpoints_are_append_only(store, key) -> None:
    from sqlalchemy import exc as sa_exc

    fill(store, 1)
    anchor.checkpoint(store.engine, key)
    with pytest.raises(sa_exc.DBAPIError, match="append-only"):
        with store.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_checkpoints"))


def test_on_postgresql_checkpoints_verify_and_the_read_only_engine_writes_nothing(pg_url, key) -> None:
    from sqlalchemy import exc as sa_exc

    from erpconsole.services.store.db import make_read_only_engine

    s = Store(pg_url)
    try:
        fill(s, 10)
        mark = anchor.checkpoint(s.engine, key, now=T0 + 30)
        with s.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER audit_append_only ON audit"))
            conn.execute(text("DELETE FROM audit WHERE id > (SELECT MAX(id) - 3 FROM audit)"))
    finally:
        s.close()
    engine = make_read_only_engine(pg_url)
    try:
        found = anchor.verify(engine, key)
        assert found.status == anchor.TRUNCATED and "only 7 rows" in found.message
        assert anchor.verify(engine, key, expect=mark.head).status == anchor.MISSING
        with pytest.raises(sa_exc.DBAPIError, match="read-only"):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO series (target, metric, label) VALUES ('h', 'm', '')"))
    finally:
        engine.dispose()
