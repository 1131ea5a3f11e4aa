"""The store in SQLite (the standard library's sqlite3): one file, write-ahead logging, one writer at a time.

WAL lets the page read while a training's epoch is written. Writes are serialised twice: by a lock in this
process (one connection, shared by the server's threads) and by `BEGIN IMMEDIATE`, which takes SQLite's
write lock at the start of the transaction, so a second process writing the same file waits (up to
BUSY_TIMEOUT_MS) instead of failing half-way. A database written by a newer schema is refused, not guessed at.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

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
from .migrations import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 10_000


class StoreError(VAECoreError):
    """The server's database cannot be used."""


class SQLiteStore(Store):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                       timeout=BUSY_TIMEOUT_MS / 1000)
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable at each checkpoint, never corrupt
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"the server's database cannot be opened ({exc})") from None
        self.journal_mode = mode
        self._migrate()

    # --- plumbing ---
    @contextmanager
    def _write(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _migrate(self) -> None:
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"the server's database has schema version {version}, newer than this app's "
                                 f"{SCHEMA_VERSION}: run the newer app, or point VAE_EXPLORER_DATABASE elsewhere")
            for steps in MIGRATIONS[version:]:
                for sql in steps:
                    db.execute(sql)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- runs ---
    def create_run(self, owner, address, label, config, need_bytes, submitted_at) -> RunRecord:
        with self._write() as db:
            db.execute("INSERT INTO visitors (owner, runs_started, first_seen) VALUES (?, 0, ?) "
                       "ON CONFLICT (owner) DO NOTHING", (owner, time.time()))
            db.execute("UPDATE visitors SET runs_started = runs_started + 1 WHERE owner = ?", (owner,))
            number = db.execute("SELECT runs_started FROM visitors WHERE owner = ?", (owner,)).fetchone()[0]
            cur = db.execute("INSERT INTO runs (owner, number, address, label, config, state, need_bytes, "
                             "submitted_at, queue_order) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
                             (owner, number, address, label, json.dumps(config), int(need_bytes), submitted_at,
                              submitted_at))
            run_id = cur.lastrowid
        return RunRecord(id=run_id, owner=owner, number=number, address=address, label=label, config=dict(config),
                         state="queued", need_bytes=int(need_bytes), submitted_at=submitted_at,
                         queue_order=submitted_at)

    def update_run(self, run_id: int, **fields) -> None:
        names = run_assignments(fields, "?")
        if not fields:
            return
        with self._write() as db:
            db.execute(f"UPDATE runs SET {names} WHERE id = ?", (*fields.values(), run_id))

    def runs(self, owner=None, states=None) -> list[RunRecord]:
        return [_run(row) for row in self._read(*runs_query(owner, states, "?"))]

    def delete_runs(self, run_ids) -> None:
        with self._write() as db:
            db.executemany("DELETE FROM runs WHERE id = ?", [(int(i),) for i in run_ids])

    def add_epoch(self, run_id, epoch, record) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO run_epochs (run_id, epoch, record) VALUES (?, ?, ?)",
                       (run_id, int(epoch), json.dumps(record)))
            db.execute("UPDATE runs SET epoch = MAX(epoch, ?) WHERE id = ?", (int(epoch), run_id))

    def history(self, run_id) -> list[dict]:
        rows = self._read("SELECT record FROM run_epochs WHERE run_id = ? ORDER BY epoch", (run_id,))
        return [json.loads(r[0]) for r in rows]

    def truncate_history(self, run_id, epochs) -> None:
        with self._write() as db:
            db.execute("DELETE FROM run_epochs WHERE run_id = ? AND epoch > ?", (run_id, int(epochs)))
            db.execute("UPDATE runs SET epoch = ? WHERE id = ?", (int(epochs), run_id))

    # --- models ---
    def add_model(self, name, owner, source, run_id=None) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO models (name, owner, source, run_id, created_at) VALUES (?, ?, ?, ?, ?)",
                       (name, owner, source, run_id, time.time()))

    def models(self) -> dict[str, ModelRecord]:
        rows = self._read("SELECT name, owner, source, run_id, created_at FROM models")
        return {r[0]: ModelRecord(*r) for r in rows}

    def rename_model(self, old, new) -> None:
        with self._write() as db:
            db.execute("UPDATE models SET name = ? WHERE name = ?", (new, old))
            db.execute("UPDATE runs SET model_name = ? WHERE model_name = ?", (new, old))

    def delete_model(self, name) -> None:
        with self._write() as db:
            db.execute("DELETE FROM models WHERE name = ?", (name,))

    # --- lesson progress ---
    def add_lesson_event(self, owner, event, values, at, keep, keep_total) -> None:
        with self._write() as db:
            db.execute("INSERT INTO lesson_events (owner, event, payload, at) VALUES (?, ?, ?, ?)",
                       (owner, event, json.dumps(values), float(at)))
            db.execute("DELETE FROM lesson_events WHERE owner = ? AND event = ? AND id NOT IN (SELECT id FROM "
                       "lesson_events WHERE owner = ? AND event = ? ORDER BY id DESC LIMIT ?)",
                       (owner, event, owner, event, int(keep)))
            # Ids only grow, so the newest keep_total rows lie within keep_total of the highest: one indexed delete.
            db.execute("DELETE FROM lesson_events WHERE id <= (SELECT MAX(id) FROM lesson_events) - ?",
                       (int(keep_total),))

    def lesson_events(self, owner) -> list[LessonEvent]:
        rows = self._read("SELECT event, payload, at FROM lesson_events WHERE owner = ? ORDER BY id", (owner,))
        return [LessonEvent(e, json.loads(p), a) for e, p, a in rows]

    # --- the class map ---
    def add_class_point(self, board, owner, label, pixels, x, y, at, limits) -> int:
        with self._write() as db:
            def count(where: str, args: tuple) -> int:
                sql = f"SELECT COUNT(*) FROM class_points WHERE board = ? {where}"  # `where`: fixed text below
                return db.execute(sql, (board, *args)).fetchone()[0]
            why = class_point_refusal(count("AND owner = ? AND at > ?", (owner, at - 60.0)),
                                      count("AND owner = ?", (owner,)), count("", ()), limits)
            if why:
                raise ClassMapFull(why)
            cur = db.execute("INSERT INTO class_points (board, owner, label, pixels, x, y, at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (board, owner, int(label), sqlite3.Binary(pixels), float(x), float(y), float(at)))
            return int(cur.lastrowid)

    def class_points(self, board) -> list[ClassPoint]:
        rows = self._read("SELECT id, owner, label, pixels, x, y, at FROM class_points WHERE board = ? ORDER BY id",
                          (board,))
        return [ClassPoint(i, o, lab, bytes(px), x, y, a) for i, o, lab, px, x, y, a in rows]

    def delete_class_point(self, board, point_id) -> None:
        with self._write() as db:
            db.execute("DELETE FROM class_points WHERE board = ? AND id = ?", (board, int(point_id)))

    def clear_class_points(self, board) -> None:
        with self._write() as db:
            db.execute("DELETE FROM class_points WHERE board = ?", (board,))

    def add_class_board(self, board, title, at, most) -> None:
        with self._write() as db:
            exists = db.execute("SELECT COUNT(*) FROM class_boards WHERE board = ?", (board,)).fetchone()[0] > 0
            why = class_board_refusal(exists, db.execute("SELECT COUNT(*) FROM class_boards").fetchone()[0], most)
            if why:
                raise ClassMapFull(why)
            db.execute("INSERT INTO class_boards (board, title, created_at) VALUES (?, ?, ?)",
                       (board, title, float(at)))

    def class_boards(self) -> list[ClassBoard]:
        rows = self._read("SELECT board, title, created_at FROM class_boards ORDER BY created_at, board")
        return [ClassBoard(*row) for row in rows]

    def delete_class_board(self, board) -> None:
        with self._write() as db:
            db.execute("DELETE FROM class_points WHERE board = ?", (board,))
            db.execute("DELETE FROM class_boards WHERE board = ?", (board,))


def _run(row: tuple) -> RunRecord:
    values = dict(zip(RUN_COLUMNS, row, strict=True))
    values["config"] = json.loads(values["config"])
    return RunRecord(**values)
