"""known_hosts reading (real-world files that paramiko's loader refuses), checking, trusting."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from erpconsole.services.hosts.known_hosts import (
    KnownHosts,
    default_own_path,
    fingerprint,
    lookup_name,
    parse_line,
)


def ed25519_key() -> paramiko.PKey:
    raw = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    blob = paramiko.Message()
    blob.add_string("ssh-ed25519")
    blob.add_string(raw)
    return paramiko.PKey.from_type_string("ssh-ed25519", blob.asbytes())


def ecdsa_key() -> paramiko.PKey:
    return paramiko.ECDSAKey.generate()


def line(names: str, key: paramiko.PKey, marker: str = "") -> str:
    text = f"{names} {key.get_name()} {key.get_base64()}"
    return f"{marker} {text}\n" if marker else text + "\n"


def hashed(name: str) -> str:
    salt = os.urandom(20)
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


@pytest.fixture
def keys():
    return {"a": ed25519_key(), "b": ed25519_key(), "ec": ecdsa_key(), "ca": ed25519_key()}


def store(tmp_path, user_text: str) -> KnownHosts:
    user = tmp_path / "user_known_hosts"
    user.write_text(user_text)
    return KnownHosts(tmp_path / "data" / "known_hosts", [user])


def test_fingerprint_is_openssh_sha256(keys):
    fp = fingerprint(keys["a"])
    assert fp.startswith("SHA256:") and not fp.endswith("=")
    assert len(fp) == len("SHA256:") + 43
    assert fp == keys["a"].fingerprint  # paramiko's own, computed independently


def test_lookup_name_brackets_non_default_ports():
    assert lookup_name("db1", 22) == "db1"
    assert lookup_name("10.0.0.5", 2222) == "[10.0.0.5]:2222"


def test_real_world_file_is_read_not_a_crash(tmp_path, keys):
    text = (
        "# comment\n\n"
        + line("*.example.com", keys["ca"], "@cert-authority")
        + "garbage\n"
        + "host1 ssh-ed25519 !!!notbase64!!!\n"
        + "host2 ssh-rsa " + keys["a"].get_base64() + "\n"  # type does not match the blob
        + "@bogus-marker host3 ssh-ed25519 " + keys["a"].get_base64() + "\n"
        + line(hashed("[10.0.0.5]:2222"), keys["a"])
        + line("plain.example.org,10.0.0.6", keys["b"])
    )
    path = tmp_path / "kh"
    path.write_text(text)
    with pytest.raises(Exception):  # why this module exists
        paramiko.HostKeys(str(path))
    kh = KnownHosts(tmp_path / "own", [path])
    assert kh.check("10.0.0.5", 2222, keys["a"]) == "ok"
    assert kh.check("10.0.0.5", 22, keys["a"]) == "unknown"  # port matters
    assert kh.check("10.0.0.6", 22, keys["b"]) == "ok"
    assert kh.check("PLAIN.example.org", 22, keys["b"]) == "ok"  # names are case-insensitive
    assert kh.check("host3", 22, keys["a"]) == "unknown"
    assert kh.check("www.example.com", 22, keys["ca"]) == "unknown"  # CA key is not a host key


def test_mismatch_unknown_and_rotation(tmp_path, keys):
    kh = store(tmp_path, line("[db]:2200", keys["a"]) + line("[db]:2200", keys["ec"]))
    assert kh.check("db", 2200, keys["a"]) == "ok"
    assert kh.check("db", 2200, keys["b"]) == "mismatch"  # same type, another key
    assert kh.known_types("db", 2200) == ["ssh-ed25519", "ecdsa-sha2-nistp256"]
    only_ec = store(tmp_path, line("[db]:2200", keys["ec"]))
    assert only_ec.check("db", 2200, keys["a"]) == "unknown"  # as OpenSSH: another type
    rotating = store(tmp_path, line("db", keys["b"]) + line("db", keys["a"]))
    assert rotating.check("db", 22, keys["a"]) == "ok"


def test_wildcards_negation_and_revoked(tmp_path, keys):
    kh = store(tmp_path, line("*.prod.example,!bad.prod.example", keys["a"])
               + line("10.0.0.?", keys["b"])
               + line("*", keys["b"], "@revoked"))
    assert kh.check("app.prod.example", 22, keys["a"]) == "ok"
    assert kh.check("bad.prod.example", 22, keys["a"]) == "unknown"
    assert kh.check("10.0.0.7", 22, keys["b"]) == "mismatch"  # listed, but revoked
    assert kh.check("10.0.0.17", 22, keys["a"]) == "unknown"


def test_trust_appends_to_own_file_only(tmp_path, keys):
    kh = store(tmp_path, "# the user's file\n")
    user_before = (tmp_path / "user_known_hosts").read_text()
    assert kh.check("10.0.0.9", 2222, keys["a"]) == "unknown"
    kh.trust("10.0.0.9", 2222, keys["a"])
    assert kh.check("10.0.0.9", 2222, keys["a"]) == "ok"
    own = tmp_path / "data" / "known_hosts"
    assert stat.S_IMODE(own.stat().st_mode) == 0o600
    assert own.read_text() == line("[10.0.0.9]:2222", keys["a"])
    assert (tmp_path / "user_known_hosts").read_text() == user_before
    # Another instance (another collector, the UI) sees the change.
    other = KnownHosts(own, [])
    assert other.check("10.0.0.9", 2222, keys["a"]) == "ok"
    kh.trust("10.0.0.10", 22, keys["b"])
    assert other.check("10.0.0.10", 22, keys["b"]) == "ok"
    assert len(own.read_text().splitlines()) == 2


def test_forget_removes_host_from_own_file(tmp_path, keys):
    user_text = line("[10.0.0.9]:2222", keys["a"])
    kh = store(tmp_path, user_text)
    own = tmp_path / "data" / "known_hosts"
    own.parent.mkdir(parents=True)
    own.write_text(line("[10.0.0.9]:2222,alias", keys["b"]) + line("other", keys["b"])
                   + line(hashed("[10.0.0.9]:2222"), keys["ec"]))
    assert kh.check("10.0.0.9", 2222, keys["b"]) == "ok"
    assert kh.forget("10.0.0.9", 2222) == 2
    lines = own.read_text().splitlines()
    assert lines == [line("alias", keys["b"]).strip(), line("other", keys["b"]).strip()]
    assert kh.check("10.0.0.9", 2222, keys["b"]) == "mismatch"  # the user's file still has "a"
    assert (tmp_path / "user_known_hosts").read_text() == user_text
    assert kh.forget("nothing-here", 22) == 0


def test_parse_line_skips_markers_and_garbage():
    assert parse_line("") is None
    assert parse_line("   # x") is None
    assert parse_line("@cert-authority * ssh-ed25519 AAAA") is None
    assert parse_line("only two") is None


def test_default_own_path_is_in_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_own_path() == tmp_path / "xdg" / "erpconsole" / "known_hosts"
