"""django-pgtrigger 4.x's ``pgtrigger.utils`` helpers that downstream code imports."""

from __future__ import annotations

from typing import Any


def _driver_major_version() -> int:
    try:
        import psycopg as driver
    except ImportError:
        import psycopg2 as driver  # type: ignore[no-redef]
    return int(driver.__version__.split(".", 1)[0])


psycopg_maj_version: int = _driver_major_version()
"""3 with psycopg 3, 2 with psycopg2 (psycopg 3 is preferred when both are installed)."""


def pg_maj_version(cursor: Any) -> int:
    """The major version of the PostgreSQL server ``cursor`` is connected to (e.g. 15)."""
    connection = cursor.connection
    version = getattr(connection, "server_version", None)
    if version is None:  # psycopg 3 connection
        version = connection.info.server_version
    return int(version) // 10000
