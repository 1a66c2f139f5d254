"""Host keys: the user's known_hosts (read only) and the console's own file (read and written).

paramiko's ``HostKeys.load`` raises on a ``@cert-authority`` line, which real files hold; this
reader goes line by line and skips what it cannot use, with a log note, and never crashes on
a file an admin edited by hand. It understands hashed names (``|1|salt|hash``), ``[host]:port``
names, wildcard and negated patterns, and ``@revoked`` (an offered key listed there is refused).

Only the console's own file is ever written: trusting a key appends to it, ``forget`` removes a
host from it. The user's file is the user's.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import hmac
import logging
import os
import struct
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import paramiko
import platformdirs

from erpconsole.services.models import KnownKeyLine

log = logging.getLogger(__name__)

Verdict = Literal["ok", "unknown", "mismatch"]
DEFAULT_PORT = 22


def default_own_path() -> Path:
    """The console's own known_hosts: in its data folder, never in ~/.ssh."""
    return Path(platformdirs.user_data_dir("erpconsole")) / "known_hosts"


def default_user_path() -> Path:
    return Path.home() / ".ssh" / "known_hosts"


def lookup_name(host: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: ``host`` on port 22, else ``[host]:port``."""
    return host if port == DEFAULT_PORT else f"[{host}]:{port}"


def fingerprint(key: paramiko.PKey) -> str:
    """``SHA256:...`` exactly as ``ssh-keygen -l`` prints it (base64, no padding)."""
    return blob_fingerprint(key.asbytes())


def blob_fingerprint(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def key_type(blob: bytes) -> str:
    """The type name that opens an SSH public key blob (``ssh-ed25519``, ``ssh-rsa`` ...)."""
    if len(blob) < 4:
        return ""
    (n,) = struct.unpack(">I", blob[:4])
    return blob[4 : 4 + n].decode("ascii", errors="replace")


@dataclass(frozen=True, slots=True)
class Entry:
    patterns: tuple[str, ...]
    key_type: str
    blob: bytes
    marker: str = ""  # "" or "@revoked"
    line_no: int = 0

    def matches(self, name: str) -> bool:
        return _match_patterns(self.patterns, name)


def _match_hashed(pattern: str, name: str) -> bool:
    parts = pattern.split("|")
    if len(parts) != 4 or parts[1] != "1":
        return False
    try:
        salt = base64.b64decode(parts[2], validate=True)
        want = base64.b64decode(parts[3], validate=True)
    except (binascii.Error, ValueError):
        return False
    got = hmac.new(salt, name.encode("utf-8"), hashlib.sha1).digest()
    return hmac.compare_digest(got, want)


def _match_one(pattern: str, name: str) -> bool:
    if pattern.startswith("|"):
        return _match_hashed(pattern, name)
    # OpenSSH patterns know only * and ?; fnmatch's [] sets would misread "[host]:port".
    if "*" in pattern or "?" in pattern:
        escaped = pattern.replace("[", "[[]")
        return fnmatch.fnmatchcase(name.lower(), escaped.lower())
    return pattern.lower() == name.lower()


def _match_patterns(patterns: Iterable[str], name: str) -> bool:
    matched = False
    for p in patterns:
        negated = p.startswith("!")
        if _match_one(p[1:] if negated else p, name):
            if negated:
                return False  # a negated match wins over every positive one
            matched = True
    return matched


def parse_line(line: str, line_no: int = 0, source: str = "") -> Entry | None:
    """One known_hosts line as an Entry, or None (comment, blank, unusable: logged)."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    fields = text.split()
    marker = ""
    if fields[0].startswith("@"):
        marker, fields = fields[0], fields[1:]
        if marker == "@cert-authority":
            log.info("%s:%d: @cert-authority line skipped (certificates are not checked)",
                     source, line_no)
            return None
        if marker != "@revoked":
            log.info("%s:%d: unknown marker %s, line skipped", source, line_no, marker)
            return None
    if len(fields) < 3:
        log.info("%s:%d: not a known_hosts line, skipped", source, line_no)
        return None
    try:
        blob = base64.b64decode(fields[2], validate=True)
    except (binascii.Error, ValueError):
        log.info("%s:%d: key is not base64, line skipped", source, line_no)
        return None
    if key_type(blob) != fields[1]:
        log.info("%s:%d: key type %s does not match the key, line skipped",
                 source, line_no, fields[1][:40])
        return None
    return Entry(tuple(fields[0].split(",")), fields[1], blob, marker, line_no)


def parse_text(text: str, source: str = "") -> list[Entry]:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        entry = parse_line(line, n, source)
        if entry is not None:
            out.append(entry)
    return out


class KnownHosts:
    """Host keys from ``read_paths`` (the user's files) and ``own_path`` (the console's)."""

    def __init__(self, own_path: str | Path | None = None, read_paths: Sequence[str | Path] = ()
                 ) -> None:
        self.own_path = Path(own_path).expanduser() if own_path else default_own_path()
        self.read_paths = tuple(Path(p).expanduser() for p in read_paths)
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple[int, int], list[Entry]]] = {}

    def with_read_paths(self, read_paths: Sequence[str | Path]) -> KnownHosts:
        """The same own file with other user files (a host's ``known_hosts`` inventory path)."""
        return KnownHosts(self.own_path, read_paths)

    # -- reading -------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        out: list[Entry] = []
        for path in (*self.read_paths, self.own_path):
            out.extend(self._load(path))
        return out

    def lines_for(self, host: str, port: int) -> list[KnownKeyLine]:
        """Every key line naming ``host:port``, in the user's files and the console's own."""
        name = lookup_name(host, port)
        return [
            KnownKeyLine(str(path), e.line_no, e.key_type, blob_fingerprint(e.blob), path == self.own_path)
            for path in (*self.read_paths, self.own_path)
            for e in self._load(path)
            if not e.marker and e.matches(name)
        ]

    def _load(self, path: Path) -> list[Entry]:
        """Parsed entries of ``path``, re-read only when its size or mtime changed."""
        try:
            st = path.stat()
        except OSError:
            return []
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            return []
        entries = parse_text(text, str(path))
        with self._lock:
            self._cache[path] = (stamp, entries)
        return entries

    def known_types(self, host: str, port: int) -> list[str]:
        """Key types on file for the host, so the handshake can ask for one of them first."""
        name = lookup_name(host, port)
        seen: list[str] = []
        for e in self.entries():
            if not e.marker and e.matches(name) and e.key_type not in seen:
                seen.append(e.key_type)
        return seen

    def check(self, host: str, port: int, key: paramiko.PKey) -> Verdict:
        """``ok`` when a file lists this key, ``mismatch`` when it lists another key of the
        same type (or revoked this one), ``unknown`` otherwise."""
        name = lookup_name(host, port)
        blob = key.asbytes()
        matching = [e for e in self.entries() if e.matches(name)]
        if any(e.marker == "@revoked" and e.blob == blob for e in matching):
            return "mismatch"
        listed = [e for e in matching if not e.marker]
        # A host may list several keys of one type (old and new during a rotation): any
        # listed copy of the offered key makes it good, whatever the order of the files.
        if any(e.blob == blob for e in listed):
            return "ok"
        offered_type = key_type(blob)
        if any(e.key_type == offered_type for e in listed):
            return "mismatch"
        return "unknown"

    # -- writing (the console's own file only) --------------------------------------------

    def trust(self, host: str, port: int, key: paramiko.PKey) -> None:
        """Append the key for ``host:port`` to the console's own file (atomic, mode 0600)."""
        blob = key.asbytes()
        line = f"{lookup_name(host, port)} {key_type(blob)} {base64.b64encode(blob).decode()}\n"
        with self._lock:
            text = self._read_own()
            if text and not text.endswith("\n"):
                text += "\n"
            self._write_own(text + line)
        log.info("trusted %s key %s for %s", key_type(blob), fingerprint(key),
                 lookup_name(host, port))

    def forget(self, host: str, port: int) -> int:
        """Remove ``host:port`` from the console's own file; returns how many keys went."""
        name = lookup_name(host, port)
        removed = 0
        kept: list[str] = []
        with self._lock:
            for line in self._read_own().splitlines():
                entry = parse_line(line)
                if entry is None or entry.marker or not entry.matches(name):
                    kept.append(line)
                    continue
                others = [p for p in entry.patterns if not _match_one(p, name)]
                removed += 1
                if others:
                    kept.append(" ".join([",".join(others), *line.split()[1:]]))
            if removed:
                self._write_own("".join(f"{ln}\n" for ln in kept))
        return removed

    def _read_own(self) -> str:
        try:
            return self.own_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def _write_own(self, text: str) -> None:
        self.own_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".known_hosts.", dir=self.own_path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.own_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._cache.pop(self.own_path, None)
