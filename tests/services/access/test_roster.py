"""The HR roster as spreadsheets really write it (encodings, delimiters, Chinese headers, bad
rows), and matching accounts of the three worlds to one person."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from erpconsole.services.access.models import Account, Person
from erpconsole.services.access.roster import match_owner, parse_date, read_roster

TODAY = date(2026, 10, 1)


def write(tmp_path: Path, content: str, encoding: str = "utf-8", name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


ROSTER = """Employee ID,Full Name,User Names,E-Mail,Status,End Date
E001,Alice Martin,alice;amartin,Alice.Martin@Example.com,active,
E002,Bob Stone,bob | bstone,bob@example.com,left,2026-03-31
E003,Carol Diaz,carol,carol@example.com,Active,2026/12/31
E004,Dan Leaver,dan,dan@example.com,active,15.08.2026
"""


def test_reads_people_with_header_variants(tmp_path: Path) -> None:
    path = write(tmp_path, ROSTER)
    people, extract = read_roster(path, now=123.0)
    assert extract.ok and extract.note == ""
    assert (extract.source, extract.system, extract.kind, extract.query, extract.rows, extract.ts) == (
        "roster", "HR roster", "csv", str(path), 4, 123.0)
    alice, bob, carol, dan = people
    assert alice == Person("E001", "Alice Martin", ("alice", "amartin"), "Alice.Martin@Example.com", "active", None)
    assert bob.usernames == ("bob", "bstone") and bob.status == "left" and bob.end_date == date(2026, 3, 31)
    assert carol.status == "active" and carol.end_date == date(2026, 12, 31)
    assert dan.end_date == date(2026, 8, 15)
    # Departed: by status, or by an end date already past.
    assert [p.departed(TODAY) for p in people] == [False, True, False, True]


def test_gb18030_with_chinese_headers_and_tabs(tmp_path: Path) -> None:
    content = ("工号\t姓名\t用户名\t邮箱\t状态\t离职日期\r\n"
               "1001\t张伟\tzhangwei zw\tzhangwei@example.cn\t在职\t\r\n"
               "1002\t李娜\tlina\tlina@example.cn\t离职\t2026/05/20\r\n")
    path = write(tmp_path, content, "gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # the file really is not UTF-8
    people, extract = read_roster(path)
    assert extract.ok and extract.rows == 2 and extract.note == "read as GB18030"
    zhang, li = people
    assert (zhang.employee_id, zhang.name, zhang.usernames, zhang.status) == (
        "1001", "张伟", ("zhangwei", "zw"), "active")
    assert (li.name, li.status, li.end_date) == ("李娜", "left", date(2026, 5, 20))
    assert li.departed(TODAY) and not zhang.departed(TODAY)


def test_utf8_bom_and_semicolons_as_excel_writes_them(tmp_path: Path) -> None:
    content = "\ufeffemp_id;name;logins;mail;state;termination_date\r\n7;Zoë Ärger;zoe,zarger;zoe@example.de;leave;\r\n"
    people, extract = read_roster(write(tmp_path, content, "utf-8"))
    assert extract.ok and extract.note == ""
    assert people == [Person("7", "Zoë Ärger", ("zoe", "zarger"), "zoe@example.de", "leave", None)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_each_delimiter(tmp_path: Path, delimiter: str) -> None:
    rows = [["id", "name", "username", "email"], ["1", "Ann, the first", "ann", "ann@x.org"],
            ["2", "Ben", "ben;benny", "ben@x.org"]]
    content = "\n".join(delimiter.join(f'"{c}"' if delimiter in c or "," in c else c for c in row) for row in rows)
    people, extract = read_roster(write(tmp_path, content + "\n"))
    assert extract.ok, extract.error
    assert [(p.name, p.usernames) for p in people] == [("Ann, the first", ("ann",)), ("Ben", ("ben", "benny"))]


def test_bad_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    content = ("name,usernames,end_date\n"
               "Ok One,one,2026-01-01\n"
               "Bad Date,bad,31/12/2026\n"
               "\n"
               "Impossible,imp,2026-02-30\n"
               ",,\n"
               "Ok Two,two,\n")
    people, extract = read_roster(write(tmp_path, content))
    assert extract.ok and [p.name for p in people] == ["Ok One", "Ok Two"] and extract.rows == 2
    assert extract.note == ("2 rows skipped: line 3: end date '31/12/2026' is not a date (write YYYY-MM-DD, "
                            "YYYY/MM/DD or DD.MM.YYYY); line 5: end date '2026-02-30' is not a date "
                            "(write YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY)")


def test_file_errors_are_sentences(tmp_path: Path) -> None:
    missing = read_roster(tmp_path / "nope.csv")
    assert missing[0] == [] and missing[1].error.startswith(f"the HR roster {tmp_path / 'nope.csv'} does not exist")
    assert missing[1].query == str(tmp_path / "nope.csv") and missing[1].rows == 0

    empty = read_roster(write(tmp_path, "\n\n", name="empty.csv"))[1].error
    assert "is empty: the first row must name the columns, for example employee_id,name" in empty

    no_header = read_roster(write(tmp_path, "\n1,Alice,alice\n2,Bob,bob\n", name="nohead.csv"))[1].error
    assert no_header.startswith(f"line 2 of {tmp_path / 'nohead.csv'} is not a header row")

    no_match_column = read_roster(write(tmp_path, "id,name,department\n1,Al,Sales\n", name="cols.csv"))[1].error
    assert "line 1" in no_match_column and "has no user name or e-mail column (found: id, name, department)" \
        in no_match_column

    odd_name = read_roster(write(tmp_path, "name,email\nAl,al@x.org\n", name="book.xlsx"))
    assert odd_name[1].ok and odd_name[0][0].email == "al@x.org"  # the content decides, not the name
    (tmp_path / "real.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    assert "is an Excel workbook, not CSV" in read_roster(tmp_path / "real.xlsx")[1].error

    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"name,email\nok,ok@x.org\n\xff\xfe\xff broken\n")
    assert read_roster(garbage)[1].error.startswith(f"line 3 of {garbage} is neither UTF-8 nor GB18030")


def test_date_forms() -> None:
    assert parse_date("2026-03-01") == parse_date("2026/3/1") == parse_date("01.03.2026") == date(2026, 3, 1)
    assert parse_date("2026-03-01 00:00:00") == parse_date("2026年3月1日") == date(2026, 3, 1)
    assert parse_date("") is None and parse_date("03/01/2026") is None and parse_date("soon") is None


# -- matching ------------------------------------------------------------------------------------

ALICE = Person("1", "Alice", ("alice", "amartin"), "alice.martin@example.com")
BOB = Person("2", "Bob", ("bstone",), "bob@example.com")
CAROL = Person("3", "Carol", (), "carol@example.com")
PEOPLE = [ALICE, BOB, CAROL]


def account(name: str, source: str = "os", kind: str = "linux", email: str = "", host: str = "") -> Account:
    return Account(source=source, system="s", kind=kind, name=name, email=email, host_pattern=host)


def test_login_among_usernames_any_case() -> None:
    assert match_owner(account("AMartin"), PEOPLE) is ALICE
    assert match_owner(account("alice", "database", "postgresql"), PEOPLE) is ALICE
    assert match_owner(account("nobody"), PEOPLE) is None


def test_mysql_accounts_match_their_user_part() -> None:
    assert match_owner(account("'alice'@'%'", "database", "mariadb", host="%"), PEOPLE) is ALICE
    assert match_owner(account("bstone@10.0.0.%", "database", "mysql", host="10.0.0.%"), PEOPLE) is BOB
    assert match_owner(account("`bstone`@`localhost`", "database", "mysql"), PEOPLE) is BOB
    assert match_owner(account("''@'localhost'", "database", "mysql", host="localhost"), PEOPLE) is None


def test_erp_email_logins() -> None:
    # The login is their e-mail (any case) ...
    assert match_owner(account("Carol@Example.com", "erp", "odoo"), PEOPLE) is CAROL
    # ... or its local part is one of their user names.
    assert match_owner(account("bstone@corp.example", "erp", "erpnext"), PEOPLE) is BOB


def test_account_email_then_email_local_part() -> None:
    assert match_owner(account("u1029", "erp", "custom", email="BOB@example.com"), PEOPLE) is BOB
    assert match_owner(account("carol", "database", "postgresql"), PEOPLE) is CAROL
    assert match_owner(account("alice.martin"), PEOPLE) is ALICE


def test_stronger_rule_wins_and_ties_are_none() -> None:
    impostor = Person("9", "Other Carol", ("carol",), "c.other@example.com")
    # Usernames beat an e-mail local part.
    assert match_owner(account("carol"), [CAROL, impostor]) is impostor
    twin = Person("8", "Alice Again", ("alice",), "")
    assert match_owner(account("alice"), [ALICE, twin]) is None
    # The same row listed twice is one person, not a tie.
    assert match_owner(account("alice"), [ALICE, ALICE]) is ALICE
    shared = Person("7", "Team", (), "bob@example.com")
    assert match_owner(account("x", email="bob@example.com"), [BOB, shared]) is None


def test_matches_people_read_from_a_roster(tmp_path: Path) -> None:
    people, _extract = read_roster(write(tmp_path, ROSTER))
    bob = match_owner(account("'bstone'@'%'", "database", "mysql", host="%"), people)
    assert bob is not None and bob.name == "Bob Stone" and bob.departed(TODAY)
    assert match_owner(account("alice.martin@example.com", "erp", "odoo"), people).name == "Alice Martin"


# -- read strictly: a roster is never read short ----------------------------------------------

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "roster"


def test_five_people_with_one_unbalanced_quote_are_refused_not_read_as_two() -> None:
    path = FIXTURES / "five_people_unbalanced_quote.csv"
    assert path.read_text().count("\n") == 6  # a header and five people, three of them departed
    people, extract = read_roster(path)
    assert people == [] and not extract.ok and extract.rows == 0
    assert extract.error.startswith(f"line 3 of {path}: a quote opens a cell on this line and never closes")
    assert "nobody is left out of the review" in extract.error


@pytest.mark.parametrize("rows, line, words", [
    ('E1,"Ann,ann,a@x.org,left,\nE2,Ben,ben,b@x.org,left,\nE3,Cy",cy,c@x.org,left,\n', 2,
     "runs over lines 2 to 4"),
    ("E1,Ann,ann,a@x.org,left,\nE2,Li, Ben,ben,b@x.org,left,\n", 3, "this row has 7 cells where the header has 6"),
    ("E1,Ann,ann,a@x.org,left\n", 2, "this row has 5 cells where the header has 6"),
])
def test_a_roster_whose_rows_do_not_add_up_is_refused_with_the_line(tmp_path: Path, rows, line, words) -> None:
    path = write(tmp_path, "employee_id,name,usernames,email,status,end_date\n" + rows)
    people, extract = read_roster(path)
    assert people == [] and extract.error.startswith(f"line {line} of {path}: ") and words in extract.error


def test_the_review_says_the_roster_was_refused(tmp_path: Path) -> None:
    from erpconsole.config import Inventory, LocalConfig
    from erpconsole.services.access.models import AccessPolicy
    from erpconsole.services.access.service import AccessReviewService
    from erpconsole.services.secrets import SecretStore
    from erpconsole.services.store import Store

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        roster = str(FIXTURES / "five_people_unbalanced_quote.csv")
        inv = Inventory(local=LocalConfig(enabled=False), access=AccessPolicy(roster=roster))
        service = AccessReviewService(store.engine, inv, SecretStore(), tmp_path / "known_hosts",
                                      store.audit, today=lambda: TODAY)
        review = service.collect(service.create_campaign("2026 Q4").id)
        (source,) = review.extraction.sources
        assert (source.source, source.ok) == ("roster", False) and "line 3 of" in source.error
        assert review.extraction.people == ()  # not two people passed off as the roster
    finally:
        store.close()
