"""Where the lessons are, read again when a file changes, and each step's progress for one visitor."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from app.common.lesson_events import events_of
from app.common.ownership import get_store
from vae_core.errors import VAECoreError
from vae_core.vae.checkpoint import read_sidecar
from vae_core.vae.user_models import user_model_path

from .checks import CheckState, card_average_kl, evaluate
from .lesson_format import MAX_FILES, Lesson, read_lessons

LESSONS_ENV = "VAE_EXPLORER_LESSONS"
REPO_LESSONS = Path(__file__).resolve().parents[2] / "lessons"
MAX_OWN_MODELS = 20  # the newest a KL check reads the cards of
PAGE_TITLES = {"home": "Home", "latent_map": "Latent map", "traversal": "Traversal", "upload": "Upload and draw",
               "one_d": "1-D: GMM vs VAE", "inside": "Inside a VAE", "training": "Train a VAE",
               "cvae": "Conditional VAE", "tradeoff": "β² trade-off",
               "compare": "Compare models"}


def lessons_dir() -> Path:
    given = os.environ.get(LESSONS_ENV, "").strip()
    return Path(given).expanduser() if given else REPO_LESSONS


def _fingerprint(folder: Path) -> tuple:
    """The lesson files' names, sizes and times: a changed file gives a new key, so it is read again."""
    try:
        with os.scandir(folder) as entries:
            found = []
            for entry in entries:
                if entry.name.endswith(".toml"):
                    info = entry.stat(follow_symlinks=False)
                    found.append((entry.name, info.st_size, info.st_mtime_ns))
                    if len(found) > MAX_FILES:
                        break
    except OSError:
        return ()
    return tuple(sorted(found))


@st.cache_data(max_entries=4, show_spinner=False)
def _read(folder: str, fingerprint: tuple) -> tuple[list[Lesson], list[str]]:
    return read_lessons(folder)


def load_lessons() -> tuple[list[Lesson], list[str]]:
    """The lessons, and one line for each broken file."""
    folder = lessons_dir()
    return _read(str(folder), _fingerprint(folder))


_log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def validate_at_start() -> int:
    """Read the lessons once when the server starts (its first page view), so that a broken file shows in the
    server log before any student opens the Lessons page; returns how many were broken."""
    lessons, problems = load_lessons()
    for problem in problems:
        _log.warning("lesson file not used: %s", problem)
    _log.info("%d lessons read from %s", len(lessons), lessons_dir())
    return len(problems)


def own_model_kls(owner: str) -> dict[str, float]:
    """The owner's own models (newest first, at most MAX_OWN_MODELS) and their cards' average KL."""
    mine = sorted((r for r in get_store().models().values() if r.owner == owner), key=lambda r: -r.created_at)
    kls = {}
    for record in mine[:MAX_OWN_MODELS]:
        path = user_model_path(record.name)
        if path is None:
            continue
        try:
            kl = card_average_kl(read_sidecar(path))
        except (VAECoreError, OSError, ValueError):
            continue  # a model being written or removed: counted on the next visit
        if kl is not None:
            kls[record.name.removeprefix("user:")] = kl
    return kls


def progress(lesson: Lesson, owner: str) -> list[CheckState | None]:
    """Each step's check state for this visitor (None: the step has no check)."""
    events = events_of(owner)
    kls = own_model_kls(owner) if any(s.check and s.check.kind == "trained_kl_above" for s in lesson.steps) else {}
    return [None if s.check is None else evaluate(s.check, events, kls) for s in lesson.steps]
