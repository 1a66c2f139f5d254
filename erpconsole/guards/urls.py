"""A URL's secrets: found (an inventory refuses them) and masked (logs and messages show none).

A password hides in two places of a database URL: ``user:password@host`` and the query
string, where libpq and SQLAlchemy drivers take ``?password=``, ``?sslpassword=`` and the
like. Both are found here; ``mask_text`` also masks every URL inside a longer text (an
exception's message, a log line) and ``key=value`` pairs of a libpq connection string.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

MASK = "***"
# A query key names a secret when it holds one of these ...
_SECRET_PARTS = ("password", "passwd", "passphrase", "secret", "token", "credential", "apikey")
# ... or one of its words (split at _ - .) is one of these.
_SECRET_WORDS = frozenset({"pass", "pwd", "pw", "key"})  # key: WeCom's robot, Google's APIs
# ... unless it names where a secret is, not the secret: libpq's passfile, sslkey (a file).
_NOT_SECRET = frozenset({"passfile", "sslkey", "sslcert", "sslrootcert", "sslcrl", "sslcrldir",
                         "ssl_key", "ssl-key", "ssl_cert", "ssl_ca", "password_env", "key_file"})

_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*://"
_USERINFO_PASSWORD = re.compile(r"^(" + _SCHEME + r"[^/@\s:?#]*:)([^/\s]+)(@)")  # to the last @
# As SQLAlchemy's make_url reads it (and hands it to the driver): the user runs to the first
# ":" or "/", the password to the next "@", with any "/", "?", "#" or space in it.
_DRIVER_PASSWORD = re.compile(r"^(" + _SCHEME + r"[^:/]*:)([^@]+)(@)")
_URL_IN_TEXT = re.compile(_SCHEME + r"[^\s'\"<>()\[\]{}]+")
# In a text a URL ends at a space, but a driver reads a password to the "@" across spaces
# ("postgresql://u:pa ss@h/db"): ``user:`` then a space before the next "@" on the line,
# crossing no other URL and no quote or bracket, is read as such a URL; but not a URL's
# "host:port/db" or "host:port " with a mail address later on the line.
_PASSWORD_CHAR = r"(?:(?!://)[^@\n'\"<>])"
_SPACED_PASSWORD_URL = re.compile(_SCHEME + r"[^:/@\s]*:(?!\d{1,5}(?:[/\s]|$))" + _PASSWORD_CHAR + r"*\s"
                                  + _PASSWORD_CHAR + r"*@[^\s'\"<>()\[\]{}]*")
_PAIR_IN_TEXT = re.compile(r"(?<![\w?&;])([A-Za-z_][\w\-.]*)\s*=\s*('[^']*'|\"[^\"]*\"|[^\s&;,)]+)")


def is_secret_key(key: str) -> bool:
    """``password``, ``sslpassword``, ``passwd``, ``pass``, ``api_token``, ``key``; not
    ``passfile`` or ``sslkey`` (where a secret is kept, not the secret)."""
    lowered = unquote_plus(key).strip().lower()
    if lowered in _NOT_SECRET or lowered.endswith("_env"):
        return False
    if any(part in lowered for part in _SECRET_PARTS):
        return True
    return any(word in _SECRET_WORDS for word in re.split(r"[_\-.\s]+", lowered))


def _query(url: str) -> str:
    return url.partition("?")[2].partition("#")[0] if "://" in url else ""


def secret_query_keys(url: str) -> list[str]:
    """The keys of ``url``'s query string that name a secret, as written."""
    keys = []
    for pair in re.split(r"[&;]", _query(url.strip())):
        key = pair.partition("=")[0]
        if key and is_secret_key(key):
            keys.append(unquote_plus(key))
    return keys


def _password_match(url: str) -> re.Match[str] | None:
    """The ``user:password@`` part, read both ways (an unencoded "@" or "/" in a password),
    the longer one: what a driver could take for the password is never shown."""
    found = [m for m in (_USERINFO_PASSWORD.match(url), _DRIVER_PASSWORD.match(url)) if m]
    return max(found, key=lambda m: m.end(), default=None)


def has_userinfo_password(url: str) -> bool:
    return _password_match(url.strip()) is not None


def url_secret(url: str) -> str | None:
    """Where ``url`` holds a secret, for a message ("user:password@", "?password="), or None."""
    if has_userinfo_password(url):
        return "user:password@"
    keys = secret_query_keys(url)
    return f"?{keys[0]}=" if keys else None


def mask_url(url: str) -> str:
    """``url`` with the password of ``user:password@`` and every secret query value as ***."""
    if "://" not in url and "@" in url:  # not a URL as written: keep nothing before the @
        return url.rsplit("@", 1)[-1]
    found = _password_match(url)
    masked = url if found is None else found.group(1) + MASK + found.group(3) + url[found.end():]
    head, sep, rest = masked.partition("?")
    if not sep or "://" not in head:
        return masked
    query, hash_, fragment = rest.partition("#")
    pairs = re.split(r"([&;])", query)
    for i, pair in enumerate(pairs):
        key, eq, _value = pair.partition("=")
        if eq and is_secret_key(key):
            pairs[i] = f"{key}={MASK}"
    return head + sep + "".join(pairs) + hash_ + fragment


def mask_text(text: str) -> str:
    """Every URL in ``text`` masked, and every ``secret_key=value`` pair (a libpq
    connection string in a driver's message): what a log line or an error may show."""
    if "=" not in text and "@" not in text:
        return text
    text = _SPACED_PASSWORD_URL.sub(lambda m: mask_url(m.group()), text)
    text = _URL_IN_TEXT.sub(lambda m: mask_url(m.group()), text)
    return _PAIR_IN_TEXT.sub(
        lambda m: f"{m.group(1)}={MASK}" if is_secret_key(m.group(1)) and m.group(2) != MASK
        else m.group(), text)
