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
    nothing on other databases.

    VACUUM keeps the row versions that a transaction still open might see: a session left
    "idle in transaction", or a long export, anywhere on the server holds them back until it
    ends. Such sessions are logged as a warning; the next run removes what this one kept."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    if connection.in_atomic_block:
        raise RuntimeError("VACUUM cannot run inside a transaction.")
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM FULL {connection.ops.quote_name(model._meta.db_table)}")
    if holders := open_transactions(using=using):
        logger.warning(
            "VACUUM FULL kept recent row versions: %d other session(s) on the database server "
            "hold a transaction open (the oldest since %s). Set "
            "idle_in_transaction_session_timeout; the next sweep removes what this one kept.",
            len(holders),
            min(started for _, _, started in holders),
        )


def open_transactions(*, using: str = "default") -> list[tuple[int, str, object]]:
    """PostgreSQL: the other client sessions on the server holding a transaction id or a
    snapshot, which VACUUM must respect: (pid, database, since). Sessions of other users are
    listed only to a superuser or a member of pg_read_all_stats."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, datname, xact_start FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
            " AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)"
        )
        return [(pid, name, since) for pid, name, since in cursor.fetchall()]
