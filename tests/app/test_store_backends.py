"""The store's contract, run against both backends: SQLite (the embedded default) and a real PostgreSQL server
started for the test (what replicas share). Records are found again after close and reopen (a restart), run
numbers count per owner and never repeat, and two writers at once (two replicas) lose nothing."""

from __future__ import annotations

import itertools
import re
import shutil
import threading

import pytest

from app.store import SQLiteStore, open_store
from testkit.postgres import fresh_database, postgres_bin, postgres_server

_names = itertools.count()


@pytest.fixture(scope="module")
def postgres_url():
    if postgres_bin() is None or shutil.which("runuser") is None:
        pytest.skip("PostgreSQL is not installed here (Debian: apt-get install postgresql); .ci/run installs it")
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def open_db(request, tmp_path):
    """A function opening a new connection to one fresh database of the backend."""
    if request.param == "sqlite":
        return lambda: SQLiteStore(tmp_path / "db.sqlite3")
    from app.store.postgres import PostgresStore

    url = fresh_database(request.getfixturevalue("postgres_url"), f"t{next(_names)}")
    return lambda: PostgresStore(url)


def test_records_are_found_again_after_close_and_reopen(open_db):
    store = open_db()
    run = store.create_run("alice", "10.0.0.1", "digits, d=2", {"epochs": 3, "beta2": 0.5}, 1234, submitted_at=5.25)
    store.update_run(run.id, state="running", model_name="user:x", checkpoint_epoch=2, state_dir="/s/1",
                     started_at=1_764_000_000.123456, cpu_s=1.5)
    for epoch in (1, 2, 3):
        store.add_epoch(run.id, epoch, {"epoch": epoch, "val_elbo": -float(epoch)})
    store.add_epoch(run.id, 3, {"epoch": 3, "val_elbo": -30.0})  # an epoch written again replaces its record
    store.add_model("user:x", "alice", "trained", run.id)
    store.close()

    again = open_db()
    (found,) = again.runs("alice")
    assert (found.number, found.state, found.epoch, found.checkpoint_epoch) == (1, "running", 3, 2)
    assert (found.address, found.need_bytes, found.submitted_at) == ("10.0.0.1", 1234, 5.25)
    assert found.config == {"epochs": 3, "beta2": 0.5} and found.cpu_s == 1.5
    assert found.started_at == 1_764_000_000.123456, "a Unix time must keep its microseconds"
    assert [r["val_elbo"] for r in again.history(run.id)] == [-1.0, -2.0, -30.0]
    again.truncate_history(run.id, 2)
    assert [r["epoch"] for r in again.history(run.id)] == [1, 2] and again.runs()[0].epoch == 2
    assert again.models()["user:x"].owner == "alice"
    again.rename_model("user:x", "user:y")
    assert list(again.models()) == ["user:y"] and again.runs()[0].model_name == "user:y"
    again.delete_model("user:y")
    assert again.models() == {}
    with pytest.raises(ValueError, match="not run fields"):
        again.update_run(run.id, owner="mallory")
    again.close()


def test_run_numbers_count_per_owner_and_never_repeat(open_db):
    store = open_db()
    a1 = store.create_run("alice", None, "a", {}, 0, 1.0)
    b1 = store.create_run("bob", None, "b", {}, 0, 2.0)
    a2 = store.create_run("alice", None, "a", {}, 0, 3.0)
    assert (a1.number, b1.number, a2.number) == (1, 1, 2)
    store.delete_runs([a1.id, a2.id])  # forgotten runs still count: the next is Run 3, never a second Run 1
    assert store.create_run("alice", None, "a", {}, 0, 4.0).number == 3
    assert [r.owner for r in store.runs(states=("queued",))] == ["bob", "alice"]
    assert [r.owner for r in store.runs(owner="bob", states=("queued", "running"))] == ["bob"]
    store.close()


def test_two_writers_at_once_lose_nothing(open_db):
    """Two connections (two server processes, or two replicas) creating runs for the same owners at once."""
    stores = [open_db(), open_db()]
    errors = []

    def write(store):
        try:
            for i in range(40):
                store.create_run(("a", "b")[i % 2], None, "x", {}, 0, 1.0)
        except Exception as exc:  # pragma: no cover - the failure this test looks for
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    runs = stores[0].runs()
    assert len(runs) == 80
    for owner in ("a", "b"):
        assert sorted(r.number for r in runs if r.owner == owner) == list(range(1, 41))
    for s in stores:
        s.close()


def test_the_database_url_setting_opens_postgres_and_a_bad_one_names_no_secret(postgres_url, monkeypatch):
    from app.store.postgres import PostgresStore, PostgresStoreError

    url = fresh_database(postgres_url, "by_setting")
    monkeypatch.setenv("VAE_EXPLORER_DATABASE_URL", url)
    store = open_store()
    assert isinstance(store, PostgresStore) and store.schema_version() >= 1
    store.close()
    secret = re.sub(r"postgres@", "postgres:hunter2@", url).rsplit(":", 1)[0] + ":1/none"  # nothing listens
    monkeypatch.setenv("VAE_EXPLORER_DATABASE_URL", secret)
    with pytest.raises(PostgresStoreError) as err:
        open_store()
    assert "hunter2" not in str(err.value) and "VAE_EXPLORER_DATABASE_URL" in str(err.value)


def test_a_postgres_database_from_a_newer_app_is_refused(postgres_url):
    import psycopg

    from app.store.postgres import PostgresStore, PostgresStoreError
    from app.store.postgres_migrations import SCHEMA_VERSION

    url = fresh_database(postgres_url, "newer")
    PostgresStore(url).close()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(PostgresStoreError, match="newer than this app"):
        PostgresStore(url)


def test_lesson_events_are_kept_per_owner_bounded_per_kind_and_survive_a_restart(open_db):
    store = open_db()
    for i in range(7):
        store.add_lesson_event("alice", "map_click", {"log_ratio": -float(i), "tau": 2.0}, at=100.0 + i, keep=5,
                               keep_total=1000)
    store.add_lesson_event("alice", "em_run", {"converged": True, "n_iter": 12}, at=200.0, keep=5, keep_total=1000)
    store.add_lesson_event("bob", "em_run", {"converged": False, "n_iter": 500}, at=300.0, keep=5, keep_total=1000)
    store.close()

    again = open_db()
    alice = again.lesson_events("alice")
    clicks = [e for e in alice if e.event == "map_click"]
    assert [e.values["log_ratio"] for e in clicks] == [-2.0, -3.0, -4.0, -5.0, -6.0], "only the newest 5 of a kind"
    assert [e.event for e in alice][-1] == "em_run" and alice[-1].values == {"converged": True, "n_iter": 12}
    assert alice[-1].at == 200.0
    (bobs,) = again.lesson_events("bob")
    assert bobs.values["converged"] is False, "one owner's events are never another's"
    assert again.lesson_events("carol") == []
    again.close()


def test_lesson_events_of_all_owners_together_are_bounded_oldest_first(open_db):
    store = open_db()
    for i in range(12):  # twelve browser ids, one event each
        store.add_lesson_event(f"v{i}", "em_run", {"converged": True, "n_iter": i}, at=float(i), keep=5, keep_total=8)
    kept = [i for i in range(12) if store.lesson_events(f"v{i}")]
    assert kept == list(range(4, 12)), "the newest 8 of all owners' events stay"
    store.close()


def test_class_map_points_keep_their_limits_survive_a_restart_and_clear(open_db):
    from app.store import ClassMapFull, ClassPointLimits

    limits = ClassPointLimits(per_minute=2, per_visitor=3, per_board=5)
    store = open_db()
    pixels = bytes(range(256)) * 3 + bytes(16)  # 784 bytes, every value
    first = store.add_class_point("class", "alice", 7, pixels, 0.5, -1.25, at=1000.0, limits=limits)
    store.add_class_point("class", "alice", 1, pixels, 0.0, 0.0, at=1001.0, limits=limits)
    with pytest.raises(ClassMapFull, match="at most 2 points a minute"):
        store.add_class_point("class", "alice", 1, pixels, 0.0, 0.0, at=1059.0, limits=limits)
    store.add_class_point("class", "alice", 2, pixels, 0.0, 0.0, at=1061.0, limits=limits)  # a minute later
    with pytest.raises(ClassMapFull, match="you have added 3 points"):
        store.add_class_point("class", "alice", 3, pixels, 0.0, 0.0, at=2000.0, limits=limits)
    store.add_class_point("other-class", "alice", 3, pixels, 0.0, 0.0, at=2000.0, limits=limits)  # another board
    store.add_class_point("class", "bob", 4, pixels, 1.0, 1.0, at=2000.0, limits=limits)
    store.add_class_point("class", "carol", 5, pixels, 1.0, 1.0, at=2000.0, limits=limits)
    with pytest.raises(ClassMapFull, match="the class map is full"):
        store.add_class_point("class", "dave", 6, pixels, 1.0, 1.0, at=2000.0, limits=limits)
    store.close()

    again = open_db()  # a restart
    points = again.class_points("class")
    assert [p.label for p in points] == [7, 1, 2, 4, 5] and points[0].id == first
    assert (points[0].pixels, points[0].x, points[0].y, points[0].owner) == (pixels, 0.5, -1.25, "alice")
    again.delete_class_point("class", first)
    again.delete_class_point("other-class", points[1].id)  # a point of another board: not touched
    assert [p.label for p in again.class_points("class")] == [1, 2, 4, 5]
    again.clear_class_points("class")
    assert again.class_points("class") == [] and [p.label for p in again.class_points("other-class")] == [3]
    again.close()


def test_two_writers_adding_at_once_never_pass_a_visitors_limit(open_db):
    from app.store import ClassMapFull, ClassPointLimits

    limits = ClassPointLimits(per_minute=100, per_visitor=5, per_board=1000)
    stores = [open_db(), open_db()]
    added, refused = [], []

    def add(store):
        for _ in range(10):
            try:
                added.append(store.add_class_point("class", "alice", 1, bytes(784), 0.0, 0.0, at=1.0, limits=limits))
            except ClassMapFull:
                refused.append(1)
    threads = [threading.Thread(target=add, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(added) == 5 and len(refused) == 15
    for s in stores:
        s.close()


def test_teachers_class_maps_are_bounded_unique_survive_a_restart_and_delete_with_their_points(open_db):
    from app.store import ClassMapFull, ClassPointLimits

    store = open_db()
    store.add_class_board("class-aaaa", "Tuesday lab", at=10.0, most=2)
    with pytest.raises(ClassMapFull, match="exists already"):
        store.add_class_board("class-aaaa", "again", at=11.0, most=2)
    store.add_class_board("class-bbbb", "Thursday lab", at=12.0, most=2)
    with pytest.raises(ClassMapFull, match="at most 2 class maps"):
        store.add_class_board("class-cccc", "a third", at=13.0, most=2)
    limits = ClassPointLimits(per_minute=10, per_visitor=10, per_board=10)
    for board in ("class-aaaa", "class-bbbb", "server"):
        store.add_class_point(board, "alice", 1, bytes(784), 0.0, 0.0, at=20.0, limits=limits)
    store.close()

    again = open_db()  # a restart
    assert [(b.board, b.title, b.created_at) for b in again.class_boards()] == [
        ("class-aaaa", "Tuesday lab", 10.0), ("class-bbbb", "Thursday lab", 12.0)]
    again.delete_class_board("class-aaaa")
    assert [b.board for b in again.class_boards()] == ["class-bbbb"]
    assert again.class_points("class-aaaa") == [], "a deleted class map's points stay behind"
    assert len(again.class_points("class-bbbb")) == 1 and len(again.class_points("server")) == 1
    again.add_class_board("class-cccc", "a third", at=14.0, most=2)  # room again
    again.close()
