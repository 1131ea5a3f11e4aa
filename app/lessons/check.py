"""A teacher's validator: `python -m app.lessons.check lessons/` (a folder or some .toml files).

Prints one line per lesson file, OK with its step count or the problem naming the file, step and field;
exits 1 when any file is broken.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .lesson_format import LessonError, read_lesson_file, read_lessons


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m app.lessons.check FOLDER_OR_FILE.toml ...", file=sys.stderr)
        return 2
    broken = 0
    for arg in args:
        target = Path(arg)
        if target.is_dir():
            lessons, problems = read_lessons(target)
        else:
            try:
                lessons, problems = [read_lesson_file(target)], []
            except LessonError as exc:
                lessons, problems = [], [str(exc)]
        for lesson in lessons:
            print(f"OK {lesson.name}.toml: {lesson.title} ({len(lesson.steps)} steps)")
        for problem in problems:
            print(f"BROKEN {problem}")
        broken += len(problems)
        if not lessons and not problems:
            print(f"BROKEN {target.name}: no .toml lesson files there")
            broken += 1
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
