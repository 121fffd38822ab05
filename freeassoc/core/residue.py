"""Removing the history a database keeps beside its live rows.

Deleting a row does not remove it from the files: SQLite keeps every committed page image in
its write-ahead log until a checkpoint, and PostgreSQL keeps dead row versions (with the
transaction ids that made and ended them) in the table's files until a VACUUM rewrites them.
Read in order, that history tells which write followed which. These helpers fold the history
away; which tables to sweep, and when, is for the apps that keep secrets in them to decide.
"""

import logging

from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)


def wal_checkpoint(*, wait: bool = False, using: str = "default") -> bool:
    """SQLite: copy the write-ahead log into the database file and truncate the log to zero
    bytes (with `secure_delete` on, deleted rows are then zeros in the database file and gone
    from the log). Without `wait`, it is attempted without waiting for other connections'
    readers or writer: on a busy server it may not complete, and the next one will. Returns
    whether the log was emptied; True on other databases, which need nothing here."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return True
    if connection.in_atomic_block:
        return False  # a checkpoint cannot run inside a transaction
    with connection.cursor() as cursor:
        if not wait:
            cursor.execute("PRAGMA busy_timeout")
            (previous,) = cursor.fetchone()
            cursor.execute("PRAGMA busy_timeout = 0")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone()
        except DatabaseError as exc:  # locked by another connection: the next one will do
            logger.debug("wal checkpoint not done: %s", exc)
            busy = 1
        finally:
            if not wait:
                cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")
    return not busy


def vacuum_full(models, *, using: str = "default") -> None:
    """PostgreSQL: rewrite these models' tables (and their indexes and TOAST) without their
    dead row versions. It locks each table while it runs, so keep it to small tables. Does
    nothing on other databases."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if connection.in_atomic_block:
        raise RuntimeError("VACUUM cannot run inside a transaction.")
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM FULL {connection.ops.quote_name(model._meta.db_table)}")
