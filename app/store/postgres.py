"""The store in PostgreSQL, for replicas that share one class: VAE_EXPLORER_DATABASE_URL=postgresql://...

psycopg 3 (the maintained PostgreSQL driver; plain SQL keeps it the same shape as sqlite.py, which an ORM would
not). One connection per process, shared by the server's threads under a lock, every method one transaction.
Run numbers are drawn by one atomic UPSERT on the owner's counter, so two replicas starting runs for the same
visitor at once never give the same number. The schema is versioned as in SQLite, by numbered migrations
(postgres_migrations.py) applied under an advisory lock, so replicas starting together migrate once.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from psycopg.types.json import Jsonb

from vae_core.errors import VAECoreError

from .interface import (
    RUN_COLUMNS,
    ClassBoard,
    ClassMapFull,
    ClassPoint,
    LessonEvent,
    ModelRecord,
    RunRecord,
    Store,
    class_board_refusal,
    class_point_refusal,
    run_assignments,
    runs_query,
)
from .postgres_migrations import MIGRATIONS, SCHEMA_VERSION

CONNECT_TIMEOUT_S = 10
_MIGRATION_LOCK = 0x7AE5_0001  # pg_advisory_xact_lock key: one migrating replica at a time


class PostgresStoreError(VAECoreError):
    """The shared database cannot be used."""


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        import psycopg

        self._lock = threading.RLock()
        try:
            self._db = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=False)
        except psycopg.Error as exc:
            # The URL may hold a password: say what failed, never echo it.
            raise PostgresStoreError(f"the shared database cannot be reached ({type(exc).__name__}); "
                                     "check VAE_EXPLORER_DATABASE_URL") from None
        self._migrate()

    # --- plumbing ---
    @contextmanager
    def _tx(self):
        with self._lock, self._db.transaction(), self._db.cursor() as cur:
            yield cur

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._tx() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def _migrate(self) -> None:
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cur.execute("SELECT version FROM schema_version")
            row = cur.fetchone()
            version = row[0] if row else 0
            if version > SCHEMA_VERSION:
                raise PostgresStoreError(f"the shared database has schema version {version}, newer than this app's "
                                         f"{SCHEMA_VERSION}: run the newer app on every replica")
            for steps in MIGRATIONS[version:]:
                for sql in steps:
                    cur.execute(sql)
            cur.execute("DELETE FROM schema_version")
            cur.execute("INSERT INTO schema_version (version) VALUES (%s)", (SCHEMA_VERSION,))

    def schema_version(self) -> int:
        return self._read("SELECT version FROM schema_version")[0][0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- runs ---
    def create_run(self, owner, address, label, config, need_bytes, submitted_at) -> RunRecord:
        with self._tx() as cur:
            cur.execute("INSERT INTO visitors (owner, runs_started, first_seen) VALUES (%s, 1, %s) "
                        "ON CONFLICT (owner) DO UPDATE SET runs_started = visitors.runs_started + 1 "
                        "RETURNING runs_started", (owner, time.time()))
            number = cur.fetchone()[0]
            cur.execute("INSERT INTO runs (owner, number, address, label, config, state, need_bytes, submitted_at, "
                        "queue_order) VALUES (%s, %s, %s, %s, %s, 'queued', %s, %s, %s) RETURNING id",
                        (owner, number, address, label, Jsonb(config), int(need_bytes), submitted_at, submitted_at))
            run_id = cur.fetchone()[0]
        return RunRecord(id=run_id, owner=owner, number=number, address=address, label=label, config=dict(config),
                         state="queued", need_bytes=int(need_bytes), submitted_at=submitted_at,
                         queue_order=submitted_at)

    def update_run(self, run_id: int, **fields) -> None:
        names = run_assignments(fields, "%s")
        if not fields:
            return
        with self._tx() as cur:
            cur.execute(f"UPDATE runs SET {names} WHERE id = %s", (*fields.values(), run_id))

    def runs(self, owner=None, states=None) -> list[RunRecord]:
        return [_run(row) for row in self._read(*runs_query(owner, states, "%s"))]

    def delete_runs(self, run_ids) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM runs WHERE id = ANY(%s)", ([int(i) for i in run_ids],))

    def add_epoch(self, run_id, epoch, record) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO run_epochs (run_id, epoch, record) VALUES (%s, %s, %s) "
                        "ON CONFLICT (run_id, epoch) DO UPDATE SET record = EXCLUDED.record",
                        (run_id, int(epoch), Jsonb(record)))
            cur.execute("UPDATE runs SET epoch = GREATEST(epoch, %s) WHERE id = %s", (int(epoch), run_id))

    def history(self, run_id) -> list[dict]:
        return [r[0] for r in self._read("SELECT record FROM run_epochs WHERE run_id = %s ORDER BY epoch", (run_id,))]

    def truncate_history(self, run_id, epochs) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM run_epochs WHERE run_id = %s AND epoch > %s", (run_id, int(epochs)))
            cur.execute("UPDATE runs SET epoch = %s WHERE id = %s", (int(epochs), run_id))

    # --- models ---
    def add_model(self, name, owner, source, run_id=None) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO models (name, owner, source, run_id, created_at) VALUES (%s, %s, %s, %s, %s) "
                        "ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, source = EXCLUDED.source, "
                        "run_id = EXCLUDED.run_id, created_at = EXCLUDED.created_at",
                        (name, owner, source, run_id, time.time()))

    def models(self) -> dict[str, ModelRecord]:
        rows = self._read("SELECT name, owner, source, run_id, created_at FROM models")
        return {r[0]: ModelRecord(*r) for r in rows}

    def rename_model(self, old, new) -> None:
        with self._tx() as cur:
            cur.execute("UPDATE models SET name = %s WHERE name = %s", (new, old))
            cur.execute("UPDATE runs SET model_name = %s WHERE model_name = %s", (new, old))

    def delete_model(self, name) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM models WHERE name = %s", (name,))

    # --- lesson progress ---
    def add_lesson_event(self, owner, event, values, at, keep, keep_total) -> None:
        with self._tx() as cur:
            cur.execute("INSERT INTO lesson_events (owner, event, payload, at) VALUES (%s, %s, %s, %s)",
                        (owner, event, Jsonb(values), float(at)))
            cur.execute("DELETE FROM lesson_events WHERE owner = %s AND event = %s AND id NOT IN (SELECT id FROM "
                        "lesson_events WHERE owner = %s AND event = %s ORDER BY id DESC LIMIT %s)",
                        (owner, event, owner, event, int(keep)))
            # Ids only grow, so the newest keep_total rows lie within keep_total of the highest: one indexed delete.
            cur.execute("DELETE FROM lesson_events WHERE id <= (SELECT MAX(id) FROM lesson_events) - %s",
                        (int(keep_total),))

    def lesson_events(self, owner) -> list[LessonEvent]:
        rows = self._read("SELECT event, payload, at FROM lesson_events WHERE owner = %s ORDER BY id", (owner,))
        return [LessonEvent(e, p, a) for e, p, a in rows]  # payload comes back from JSONB as a dict

    # --- the class map ---
    def add_class_point(self, board, owner, label, pixels, x, y, at, limits) -> int:
        with self._tx() as cur:
            # One visitor's two tabs (or two replicas) adding at once: the board's rows are counted under a lock
            # on the board's name, so the limits hold.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (board,))

            def count(where: str, args: tuple) -> int:
                cur.execute(f"SELECT COUNT(*) FROM class_points WHERE board = %s {where}", (board, *args))
                return cur.fetchone()[0]
            why = class_point_refusal(count("AND owner = %s AND at > %s", (owner, at - 60.0)),
                                      count("AND owner = %s", (owner,)), count("", ()), limits)
            if why:
                raise ClassMapFull(why)
            cur.execute("INSERT INTO class_points (board, owner, label, pixels, x, y, at) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
                        (board, owner, int(label), bytes(pixels), float(x), float(y), float(at)))
            return int(cur.fetchone()[0])

    def class_points(self, board) -> list[ClassPoint]:
        rows = self._read("SELECT id, owner, label, pixels, x, y, at FROM class_points WHERE board = %s ORDER BY id",
                          (board,))
        return [ClassPoint(i, o, lab, bytes(px), x, y, a) for i, o, lab, px, x, y, a in rows]

    def delete_class_point(self, board, point_id) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM class_points WHERE board = %s AND id = %s", (board, int(point_id)))

    def clear_class_points(self, board) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM class_points WHERE board = %s", (board,))

    def add_class_board(self, board, title, at, most) -> None:
        with self._tx() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('class_boards'))")  # two teachers at once
            cur.execute("SELECT COUNT(*) FROM class_boards WHERE board = %s", (board,))
            exists = cur.fetchone()[0] > 0
            cur.execute("SELECT COUNT(*) FROM class_boards")
            why = class_board_refusal(exists, cur.fetchone()[0], most)
            if why:
                raise ClassMapFull(why)
            cur.execute("INSERT INTO class_boards (board, title, created_at) VALUES (%s, %s, %s)",
                        (board, title, float(at)))

    def class_boards(self) -> list[ClassBoard]:
        rows = self._read("SELECT board, title, created_at FROM class_boards ORDER BY created_at, board")
        return [ClassBoard(*row) for row in rows]

    def delete_class_board(self, board) -> None:
        with self._tx() as cur:
            cur.execute("DELETE FROM class_points WHERE board = %s", (board,))
            cur.execute("DELETE FROM class_boards WHERE board = %s", (board,))


def _run(row: tuple) -> RunRecord:
    return RunRecord(**dict(zip(RUN_COLUMNS, row, strict=True)))  # config comes back from JSONB as a dict
