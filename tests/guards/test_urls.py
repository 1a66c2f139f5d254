"""Secrets in URLs: found where drivers take them, masked in every text a person or a log sees."""

from __future__ import annotations

import logging
import threading

import pytest

from erpconsole import app
from erpconsole.guards.urls import mask_text, mask_url, url_secret

SECRET = "hunter22"


@pytest.mark.parametrize("url, where", [
    (f"postgresql+psycopg://m:{SECRET}@h/db", "user:password@"),
    (f"postgresql+psycopg://m:p@ss:{SECRET}@h/db", "user:password@"),  # an @ in the password
    # A "/", "?" or space in the password: SQLAlchemy reads it to the "@" and sends it.
    (f"postgresql+psycopg://m:hun/{SECRET}@h:5432/db", "user:password@"),
    (f"postgresql+psycopg://m:hun?{SECRET}@h/db", "user:password@"),
    (f"postgresql+psycopg://m:hun {SECRET}@h/db", "user:password@"),
    (f"postgresql+psycopg://m@erp-pg:{SECRET}/x@erp-pg.example.com/db", "user:password@"),  # Azure's user@server
    (f"postgresql+psycopg://m@h/db?password={SECRET}", "?password="),
    (f"mysql+pymysql://m@h/db?charset=utf8mb4&passwd={SECRET}", "?passwd="),
    (f"postgresql+psycopg://m@h/db?sslpassword={SECRET}#x", "?sslpassword="),
    (f"postgresql+psycopg://m@h/db?Pass%77ord={SECRET}", "?Password="),
    ("postgresql+psycopg://m@h/db?sslmode=require&passfile=/etc/pgpass&sslkey=/k", None),
    ("mysql+pymysql://m@h/db?ssl_ca=/ca.pem&ssl_key=/k.pem&ssl_cert=/c.pem", None),
    # WeCom's robot URL is the whole credential: its key was neither refused nor masked.
    (f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={SECRET}", "?key="),
    (f"https://maps.example.org/v1?api_key={SECRET}&q=1", "?api_key="),
    ("sqlite:////var/lib/erp.db?mode=ro", None),
    ("postgresql+psycopg://m@h:5432/db", None),
    ("postgresql+psycopg://m@[::1]:5432/db", None),
])
def test_secrets_are_found_and_masked(url, where):
    assert url_secret(url) == where
    masked = mask_url(url)
    assert SECRET not in masked and "hunter" not in masked
    if where is None:
        assert masked == url
    else:
        assert "***" in masked and masked.startswith(url.split(":", 1)[0])
        if where == "user:password@":  # where it leads is still shown
            assert masked.rsplit("@", 1)[1] == url.rsplit("@", 1)[1]


def test_urls_and_connection_strings_inside_a_message_are_masked():
    text = (f"could not open postgresql+psycopg://u:{SECRET}@h/db?password={SECRET} (timeout); "
            f"dsn host=h port=5432 password={SECRET} user=u; api_token='{SECRET}'")
    masked = mask_text(text)
    assert SECRET not in masked
    assert "postgresql+psycopg://u:***@h/db?password=***" in masked and "user=u" in masked


def test_the_log_file_never_holds_a_store_url_secret(tmp_path):
    """The console's own logging, as the GUI sets it up: a store that cannot open is logged
    with its traceback, and the message the window shows names the URL; neither holds it."""
    root = logging.getLogger()
    before, hook = list(root.handlers), threading.excepthook
    path = app.setup_logging(tmp_path / "erpconsole.log")
    try:
        url = f"postgresql+psycopg://m:{SECRET}1@127.0.0.1:1/store?connect_timeout=2&password={SECRET}2"
        store, writer, error = app.open_store(url)
        assert store is None and writer is None and "127.0.0.1:1/store" in error
        logging.getLogger("erpconsole.test").warning("reached %s and %s", url, f"password={SECRET}3")
        for handler in root.handlers:
            handler.flush()
        logged = path.read_text(encoding="utf-8")
        assert "could not open" in error and "store postgresql+psycopg://m:***@127.0.0.1:1/store" in logged
        assert "Traceback" in logged and "reached" in logged
        assert SECRET not in logged and SECRET not in error
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        threading.excepthook = hook


def test_a_password_with_a_space_inside_a_message_is_masked_to_its_at():
    # SQLAlchemy reads the password to the "@", spaces and all; a text's URL ended at the space.
    text = f"cannot open postgresql+psycopg://u:hun {SECRET}@h:5432/db (timeout); ask ops@example.com"
    masked = mask_text(text)
    assert SECRET not in masked and "hun" not in masked, masked
    assert masked == "cannot open postgresql+psycopg://u:***@h:5432/db (timeout); ask ops@example.com"
    # Texts with no such password keep every word: a URL's host:port, a quoted MySQL account.
    for plain in ("postgresql+psycopg://h:5432/db: Access denied for user 'm'@'10.0.0.5'",
                  "see http://a:8080/x and https://b/y@z, then postgresql+psycopg://m@h/db",
                  "mysql+pymysql://m@h:3306/erp timed out after 5 s",
                  "postgresql+psycopg://h:5432/db refused; ask ops@example.com",
                  "postgresql+psycopg://h:5432 refused; ask ops@example.com"):
        assert mask_text(plain) == plain
