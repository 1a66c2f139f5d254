"""The database dialog's URL parts and back."""

from __future__ import annotations

from erpconsole.services.databases.url_parts import compose_url, split_url


def test_postgres_and_mariadb_round_trip_with_the_driver_named():
    url = compose_url("postgresql", "10.0.0.6", 5432, "erp", "monitor")
    assert url == "postgresql+psycopg://monitor@10.0.0.6:5432/erp"
    assert split_url(url) == {"kind": "postgresql", "host": "10.0.0.6", "port": 5432, "database": "erp",
                              "user": "monitor"}
    url = compose_url("mariadb", "db.example", None, "erp", "mon@itor")
    assert url == "mysql+pymysql://mon%40itor@db.example/erp"
    assert split_url(url)["user"] == "mon@itor" and split_url(url)["kind"] == "mariadb"


def test_sqlite_and_garbage():
    assert compose_url("sqlite", database="/var/erp.db") == "sqlite:////var/erp.db"
    assert split_url("sqlite:////var/erp.db")["database"] == "/var/erp.db"
    assert split_url("not a url")["kind"] == ""
    assert split_url("oracle://u@h/db")["kind"] == ""
