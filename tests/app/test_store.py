"""The server's store in SQLite: a versioned schema, WAL, and where the file lives. The contract both backends
keep (records found again after a restart, run numbers, two writers at once) is in test_store_backends.py."""

import sqlite3

import pytest

from app.store import SQLiteStore, database_path, open_store, run_states_dir
from app.store.migrations import SCHEMA_VERSION
from app.store.sqlite import StoreError


def test_the_schema_is_versioned_and_the_journal_is_wal(tmp_path):
    store = SQLiteStore(tmp_path / "db.sqlite3")
    assert store.schema_version() == SCHEMA_VERSION >= 1
    assert store.journal_mode == "wal"
    with sqlite3.connect(tmp_path / "db.sqlite3") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()


def test_a_database_from_a_newer_app_is_refused(tmp_path):
    path = tmp_path / "db.sqlite3"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer than this app"):
        SQLiteStore(path)


def test_the_database_sits_beside_the_models_folder_unless_moved(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "data" / "models"))
    monkeypatch.delenv("VAE_EXPLORER_DATABASE", raising=False)
    assert database_path() == tmp_path / "data" / "explorer.sqlite3"
    assert run_states_dir() == tmp_path / "data" / "run-states"
    monkeypatch.setenv("VAE_EXPLORER_DATABASE", str(tmp_path / "elsewhere" / "class.db"))
    assert database_path() == tmp_path / "elsewhere" / "class.db"
    open_store().close()
    assert (tmp_path / "elsewhere" / "class.db").is_file()
