"""What the server remembers across restarts: run records, who owns which model, visitors' run counters,
lesson progress and the class map.

One small interface (`Store`, interface.py) with two backends: SQLite in the user data directory (sqlite.py),
the default for one machine, and PostgreSQL (postgres.py) when VAE_EXPLORER_DATABASE_URL names one, for replicas
that share a class. Each schema is versioned by numbered migrations. `open_store()` opens the one the settings
name. No streamlit here: the training worker and the tests use it directly.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from vae_core.vae.user_models import user_models_dir

from .interface import (
    SIGNED_IN_PREFIX,
    ClassBoard,
    ClassMapFull,
    ClassPoint,
    ClassPointLimits,
    LessonEvent,
    ModelRecord,
    RunRecord,
    Store,
)
from .sqlite import SQLiteStore

DATABASE_ENV = "VAE_EXPLORER_DATABASE"
DATABASE_URL_ENV = "VAE_EXPLORER_DATABASE_URL"
REPLICA_ENV = "VAE_EXPLORER_REPLICA_ID"
DATABASE_NAME = "explorer.sqlite3"

__all__ = ["SIGNED_IN_PREFIX", "ClassBoard", "ClassMapFull", "ClassPoint", "ClassPointLimits", "LessonEvent",
           "ModelRecord", "RunRecord", "Store", "SQLiteStore", "database_path",
           "open_store", "replica_id", "run_states_dir"]


def database_path() -> Path:
    """$VAE_EXPLORER_DATABASE, else explorer.sqlite3 beside the user models folder (in the user data
    directory by default)."""
    given = os.environ.get(DATABASE_ENV)
    return Path(given).expanduser() if given else user_models_dir().parent / DATABASE_NAME


def replica_id() -> str:
    """This server process's name in the run records: $VAE_EXPLORER_REPLICA_ID (deploy/class-server sets one per
    replica, the same after a restart), else the host's name. Replicas sharing one database must differ."""
    return os.environ.get(REPLICA_ENV, "").strip()[:200] or socket.gethostname()


def run_states_dir() -> Path:
    """Where running trainings keep the state a resume needs: run-states/ beside the database."""
    return database_path().parent / "run-states"


def open_store(path: str | Path | None = None) -> Store:
    """The SQLite file `path`; else PostgreSQL at $VAE_EXPLORER_DATABASE_URL when set; else the SQLite file
    database_path() names."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if path is None and url:
        from .postgres import PostgresStore  # psycopg is needed only by servers configured for it

        return PostgresStore(url)
    return SQLiteStore(path or database_path())
