"""Lessons are data: one TOML file per lesson in lessons/, validated before anything is shown.

A teacher writes their own without code; `python -m app.lessons.check lessons/` says what is wrong in one line
naming the file, the step and the field. Reads are bounded: a file's size is checked before it is read, only
regular files are read (no links, no devices), and the number of files, steps and characters is capped.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from vae_core.errors import VAECoreError

MAX_FILE_BYTES = 64 * 1024
MAX_FILES = 50
MAX_STEPS = 30
MAX_PARAMS = 8
LIMITS = {"title": 120, "summary": 600, "text": 4000, "question": 1000, "look_for": 1000}  # characters

# The pages a step may open, and the query parameters each reads (others would be silently ignored: refused).
# The names are those the pages keep their view under (app/common/link_state.py; docs/students.md lists them).
_MIXTURE = {f"{p}{k}" for p in "wmv" for k in range(6)}
PAGES: dict[str, tuple[str, frozenset[str]]] = {
    "home": ("app/pages/home.py", frozenset({"model"})),
    "class_map": ("app/pages/class_map.py", frozenset({"tau", "point"})),
    "latent_map": ("app/pages/latent_map.py", frozenset({
        "model", "data", "view", "dx", "dy", "tau", "at", "section"})),
    "traversal": ("app/pages/traversal.py", frozenset({
        "model", "z", "interp", "ends", "a", "b", "za", "zb", "iseed", "path", "steps"})),
    "upload": ("app/pages/upload.py", frozenset({"model", "ink"})),
    "one_d": ("app/pages/one_d.py", frozenset({
        "source", "test", "seed", "n", "n_true", "k", "init", "n_init", "floor", "tol", "max_iter", "latent_dim",
        "sigma_mode", "vae_steps", "hidden"} | _MIXTURE)),
    "inside": ("app/pages/inside.py", frozenset({"model", "source", "image", "m"})),
    "training": ("app/pages/training.py", frozenset({
        "run", "data", "latent", "hidden", "likelihood", "beta", "kl_weight", "samples", "warmup", "epochs", "batch",
        "lr", "seed", "conditional"})),
    "cvae": ("app/pages/cvae.py", frozenset({"model", "source", "image", "k", "label", "cols", "seed", "tau"})),
    "compare": ("app/pages/compare.py", frozenset({"models", "tau"})),
    "tradeoff": ("app/pages/tradeoff.py", frozenset({"tau"})),
}
GLOBAL_PARAMS = frozenset({"present"})  # read by every page (app/common/presenter.py)

# Each kind of check and its settings: (name, default, lowest, highest).
CHECKS: dict[str, tuple[tuple[str, float, float, float], ...]] = {
    "map_gap_click": (("tau", 2.0, 0.0, 1000.0),),  # clicked z with log q(z) - log p(z) < -tau
    "em_converged": (),  # ran EM on the 1-D page until it converged
    "trained_kl_above": (("nats", 20.0, 0.0, 10_000.0),),  # an own model's average KL above this
    "cvae_unsure": (("below", 0.9, 0.0, 1.0),),  # an image the CVAE classifies with max p(y|x) below this
}
STEP_FIELDS = {"title", "page", "params", "text", "question", "look_for", "check"}
LESSON_FIELDS = {"title", "summary", "step"}


class LessonError(VAECoreError):
    """A lesson file that cannot be used; the message names the file, the step and the field."""


@dataclass(frozen=True)
class Check:
    kind: str
    settings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    title: str
    page: str  # a key of PAGES
    params: dict[str, str]
    text: str
    question: str
    look_for: str
    check: Check | None

    @property
    def script(self) -> str:
        return PAGES[self.page][0]


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem
    title: str
    summary: str
    steps: tuple[Step, ...]


def read_lesson_file(path: str | Path) -> Lesson:
    path = Path(path)
    where = path.name  # never the server's path: the page shows this message too
    try:
        info = os.lstat(path)
    except OSError:
        raise LessonError(f"{where}: cannot be read") from None
    if not stat.S_ISREG(info.st_mode):
        raise LessonError(f"{where}: not a regular file (links and devices are not read)")
    if info.st_size > MAX_FILE_BYTES:
        raise LessonError(f"{where}: {info.st_size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
    with open(path, "rb") as f:
        raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise LessonError(f"{where}: over the {MAX_FILE_BYTES:,}-byte limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LessonError(f"{where}: not UTF-8 text") from None
    return parse_lesson(text, where)


def parse_lesson(text: str, where: str) -> Lesson:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{where}: not valid TOML ({exc})") from None
    _no_unknown(data, LESSON_FIELDS, where)
    title = _text(data, "title", where, required=True)
    summary = _text(data, "summary", where)
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{where}: field 'step': at least one [[step]] table is needed")
    if len(raw_steps) > MAX_STEPS:
        raise LessonError(f"{where}: field 'step': {len(raw_steps)} steps, at most {MAX_STEPS}")
    steps = tuple(_step(s, f"{where}: step {i}", i) for i, s in enumerate(raw_steps, start=1))
    return Lesson(Path(where).stem, title, summary, steps)


def _step(raw, where: str, number: int) -> Step:
    if not isinstance(raw, dict):
        raise LessonError(f"{where}: must be a [[step]] table")
    _no_unknown(raw, STEP_FIELDS, where)
    page = raw.get("page")
    if page not in PAGES:
        raise LessonError(f"{where}: field 'page': {str(page)[:40]!r} is not a page; one of {', '.join(PAGES)}")
    return Step(title=_text(raw, "title", where, required=True), page=page, params=_params(raw, page, where),
                text=_text(raw, "text", where, required=True), question=_text(raw, "question", where, required=True),
                look_for=_text(raw, "look_for", where, required=True), check=_check(raw.get("check"), where))


def _params(raw: dict, page: str, where: str) -> dict[str, str]:
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise LessonError(f"{where}: field 'params': must be a table, such as params = {{ tau = \"5\" }}")
    if len(params) > MAX_PARAMS:
        raise LessonError(f"{where}: field 'params': at most {MAX_PARAMS} parameters")
    allowed = PAGES[page][1] | GLOBAL_PARAMS
    out = {}
    for name, value in params.items():
        if name not in allowed:
            reads = ", ".join(sorted(allowed))
            raise LessonError(f"{where}: field 'params.{str(name)[:40]}': the {page} page does not read it "
                              f"(it reads: {reads})")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or len(str(value)) > 100:
            raise LessonError(f"{where}: field 'params.{name}': must be a short string or number")
        out[name] = str(value)
    return out


def _check(raw, where: str) -> Check | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise LessonError(f"{where}: field 'check': must be a table with a kind, such as "
                          "check = { kind = \"em_converged\" }")
    kind = raw.get("kind")
    if kind not in CHECKS:
        raise LessonError(f"{where}: field 'check.kind': {str(kind)[:40]!r} is not a check; one of "
                          f"{', '.join(CHECKS)}")
    spec = CHECKS[kind]
    _no_unknown(raw, {"kind"} | {name for name, *_ in spec}, where, prefix="check.")
    settings = {}
    for name, default, lo, hi in spec:
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise LessonError(f"{where}: field 'check.{name}': must be a number from {lo:g} to {hi:g}")
        settings[name] = float(value)
    return Check(kind, settings)


def _text(raw: dict, name: str, where: str, required: bool = False) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise LessonError(f"{where}: field '{name}': {'missing; ' if value is None else ''}must be non-empty text")
    if len(value) > LIMITS[name]:
        raise LessonError(f"{where}: field '{name}': {len(value):,} characters, at most {LIMITS[name]:,}")
    return value.strip()


def _no_unknown(raw: dict, known: set[str], where: str, prefix: str = "") -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise LessonError(f"{where}: field '{prefix}{str(unknown[0])[:40]}': unknown; the fields are "
                          f"{', '.join(sorted(known))}")


def read_lessons(folder: str | Path) -> tuple[list[Lesson], list[str]]:
    """Every *.toml lesson in the folder, by file name, and a one-line message for each that is broken."""
    folder = Path(folder)
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix == ".toml")
    except OSError:
        return [], [f"the lessons folder {folder.name} cannot be read"]
    lessons, problems = [], []
    if len(files) > MAX_FILES:
        problems.append(f"{len(files)} lesson files, only the first {MAX_FILES} are read")
        files = files[:MAX_FILES]
    for path in files:
        try:
            lessons.append(read_lesson_file(path))
        except LessonError as exc:
            problems.append(str(exc))
    return lessons, problems
