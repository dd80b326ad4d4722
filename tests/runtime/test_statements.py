"""Statements PostgreSQL refuses in a transaction block are recognised as the server refuses them.

A generated corpus (statement forms, each after whitespace, newlines, ``--`` and nested
``/* */`` comments, in several cases) is run inside ``BEGIN`` on the test server; the
server's refusal (SQLSTATE 25001) is compared with ``refused_in_transaction_block``. Then such
statements run inside ``ignore()``/``schema()``/``context()`` blocks.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import DatabaseError, connection

import pgtrigger
from pgtrigger import statements

FORMS = [
    # Refused in a transaction block.
    "VACUUM",
    "vacuum pgt_refusal.t",
    "VACUUM (ANALYZE) pgt_refusal.t",
    "VACUUM FULL",
    "CLUSTER",
    "CLUSTER VERBOSE",
    "CLUSTER (VERBOSE)",
    "REINDEX SCHEMA pgt_refusal",
    "REINDEX (VERBOSE) SCHEMA pgt_refusal",
    "REINDEX DATABASE",
    "REINDEX SYSTEM",
    "REINDEX TABLE CONCURRENTLY pgt_refusal.t",
    "REINDEX INDEX CONCURRENTLY pgt_refusal.i",
    "REINDEX (CONCURRENTLY) TABLE pgt_refusal.t",
    "CREATE INDEX CONCURRENTLY ON pgt_refusal.t (n)",
    "CREATE UNIQUE INDEX CONCURRENTLY u ON pgt_refusal.t (n)",
    "DROP INDEX CONCURRENTLY pgt_refusal.i",
    "DROP INDEX CONCURRENTLY IF EXISTS pgt_refusal.nope",
    "CREATE DATABASE pgt_refusal_db",
    "DROP DATABASE IF EXISTS pgt_refusal_db",
    "CREATE TABLESPACE pgt_refusal_ts LOCATION '/nonexistent'",
    "DROP TABLESPACE IF EXISTS pgt_refusal_ts",
    "ALTER SYSTEM SET work_mem = '4MB'",
    "ALTER DATABASE pgt_refusal_db SET TABLESPACE pg_default",
    'ALTER DATABASE "pgt refusal" SET TABLESPACE pg_default',
    "ALTER TABLE pgt_refusal.p DETACH PARTITION pgt_refusal.p1 CONCURRENTLY",
    # Accepted in a transaction block (or refused for another reason).
    "ALTER TABLE pgt_refusal.p DETACH PARTITION pgt_refusal.p1 FINALIZE",
    "ANALYZE pgt_refusal.t",
    "CLUSTER pgt_refusal.t USING i",
    "CLUSTER (VERBOSE) pgt_refusal.t USING i",
    "REINDEX TABLE pgt_refusal.t",
    "REINDEX (VERBOSE) INDEX pgt_refusal.i",
    "REINDEX (CONCURRENTLY false) TABLE pgt_refusal.t",
    "CREATE INDEX ON pgt_refusal.t (n)",
    "CREATE INDEX concurrently_named ON pgt_refusal.t (n)",
    "DROP INDEX pgt_refusal.i",
    "ALTER DATABASE pgt_refusal_db SET work_mem = '4MB'",
    "ALTER TABLE pgt_refusal.p DETACH PARTITION pgt_refusal.p1",
    "ALTER TABLE pgt_refusal.t ADD COLUMN concurrently int",
    "SELECT 'VACUUM'",
    "SELECT 1 AS vacuum",
    "CREATE TABLE pgt_refusal.vacuum (n int)",
    "REFRESH MATERIALIZED VIEW pgt_refusal.m",
]
PREFIXES = [
    "",
    "  ",
    "\n\n\t  \n" * 6,
    "-- VACUUM\n",
    "--\r\n",
    "/* VACUUM */ ",
    "/* outer /* nested VACUUM */ still a comment */\n",
    "/**/--x\n  /* y */\t",
]


def _cases(form: str) -> list[str]:
    return [form, form.lower(), form.upper() if "'" not in form else form]


CORPUS = sorted(
    {prefix + case for form, prefix in itertools.product(FORMS, PREFIXES) for case in _cases(form)}
)

SETUP = """
CREATE SCHEMA pgt_refusal;
CREATE TABLE pgt_refusal.t (n int);
CREATE INDEX i ON pgt_refusal.t (n);
CREATE TABLE pgt_refusal.p (n int) PARTITION BY RANGE (n);
CREATE TABLE pgt_refusal.p1 PARTITION OF pgt_refusal.p FOR VALUES FROM (0) TO (10);
CREATE MATERIALIZED VIEW pgt_refusal.m AS SELECT 1 AS n;
"""


def _sqlstate(error: Exception) -> str | None:
    cause = error.__cause__ or error
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


@pytest.mark.django_db(transaction=True)
def test_the_server_refuses_exactly_what_is_recognised():
    with connection.cursor() as cursor:
        cursor.execute(SETUP)
    raw = connection.connection  # the driver's: no execute wrapper between us and the server
    refused = {}
    unparsed: list[str] = []
    try:
        for statement in CORPUS:
            with raw.cursor() as cursor:
                cursor.execute("BEGIN")
                try:
                    cursor.execute(statement)
                    refused[statement] = False
                except Exception as error:
                    if _sqlstate(error) == "42601":
                        # A form this server's release lacks (before PostgreSQL 16, REINDEX
                        # DATABASE needs a name): a statement it cannot parse is neither.
                        unparsed.append(statement)
                    else:
                        refused[statement] = _sqlstate(error) == "25001"
                cursor.execute("ROLLBACK")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA pgt_refusal CASCADE")
    assert len(unparsed) < len(CORPUS) / 5, unparsed  # the odd form an older server lacks
    assert sum(refused.values()) > len(CORPUS) / 3  # the corpus has both kinds
    wrong = {s: r for s, r in refused.items() if statements.refused_in_transaction_block(s) != r}
    assert wrong == {}


@pytest.mark.parametrize(
    "statement",
    [
        "REINDEX SCHEMA public",
        "/* maintenance */ REINDEX DATABASE {db}",  # the name: PostgreSQL < 16 needs it
        "REINDEX SYSTEM {db}",
        "CLUSTER",
        "\n" * 40 + "VACUUM",
        "-- nightly\nVACUUM ANALYZE",
        "  /* a /* b */ */ CREATE INDEX CONCURRENTLY pgt_statements_idx"
        " ON runtime_tests_guarded (id)",
    ],
)
@pytest.mark.parametrize(
    "block",
    [
        lambda: pgtrigger.ignore("runtime_tests.Guarded:guard"),
        lambda: pgtrigger.schema("public"),
        lambda: pgtrigger.context(actor=1),
    ],
    ids=["ignore", "schema", "context"],
)
@pytest.mark.django_db(transaction=True)
def test_runs_inside_blocks(block, statement):
    try:
        with block(), connection.cursor() as cursor:
            cursor.execute(
                statement.format(db=connection.ops.quote_name(connection.settings_dict["NAME"]))
            )
    except DatabaseError as error:  # pragma: no cover - the failure this test is for
        pytest.fail(f"{statement!r} failed inside the block: {error}")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS pgt_statements_idx")


def test_ordinary_queries_are_not_scanned():
    assert not statements.unbundled("SELECT 1")
    assert not statements.unbundled('UPDATE "t" SET n = 1')
    assert statements.unbundled("  SAVEPOINT s1")
    assert statements.unbundled("/* c */ COMMIT")
