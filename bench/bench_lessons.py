"""What a lesson costs the server: one recorded event (insert + both bounds) in SQLite with the event table
empty and full (200,000 rows), one visitor's progress read, and the Lessons page's warm rerun under AppTest.

    python -m bench.bench_lessons [--n 200]
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from pathlib import Path

from bench.harness import print_header, repeat
from testkit.apptest import new_page


def store_figures(n: int) -> None:
    from app.common.lesson_events import KEEP_PER_KIND, KEEP_TOTAL
    from app.lessons.checks import evaluate
    from app.lessons.lesson_format import read_lessons
    from app.store import SQLiteStore
    from testkit import REPO

    lesson = read_lessons(REPO / "lessons")[0][0]
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(Path(tmp) / "db.sqlite3")
        me = uuid.uuid4().hex

        def one_event():
            store.add_lesson_event(me, "map_click", {"log_ratio": -5.0, "tau": 3.0}, 0.0, KEEP_PER_KIND, KEEP_TOTAL)

        print(f"record one event, empty table: {repeat(one_event, n, warmup=5).describe(digits=2)}")
        with store._write() as db:  # fill to the bound: 10,000 visitors x 20 events
            db.executemany("INSERT INTO lesson_events (owner, event, payload, at) VALUES (?, 'em_run', ?, 0)",
                           [(f"v{i // 20}", '{"converged": true, "n_iter": 9}') for i in range(KEEP_TOTAL)])
        print(f"record one event, {KEEP_TOTAL:,} rows: {repeat(one_event, n, warmup=5).describe(digits=2)}")

        def progress():
            events = store.lesson_events(me)
            return [evaluate(s.check, events, {}) for s in lesson.steps if s.check]

        print(f"one visitor's progress, {KEEP_TOTAL:,} rows: {repeat(progress, n, warmup=5).describe(digits=2)}")
        store.close()


def page_figures(n: int) -> None:
    at = new_page("streamlit_app", timeout=120)
    at.session_state["visitor_browser"], at.session_state["visitor_cookie_ok"] = uuid.uuid4().hex, True
    at.run()
    at.switch_page("app/pages/lessons.py").run()
    reruns = repeat(at.run, max(5, n // 10), warmup=2)
    print(f"Lessons page, warm rerun (AppTest, server time): {reruns.describe()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="timed calls per store figure")
    args = parser.parse_args()
    print_header()
    store_figures(args.n)
    page_figures(args.n)


if __name__ == "__main__":
    main()
