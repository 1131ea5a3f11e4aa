"""What a student did that a lesson's check reads: `record(event, **values)`, one line in the page helper where
the thing happens. Stored per visitor in the server's store (app/store), so progress survives a reload and a
restart and is never another visitor's.

Bounded: only the EVENTS below, each with its own few values, validated here (finite numbers clipped to
±MAX_ABS, booleans, small integers); of each kind a visitor keeps their newest KEEP_PER_KIND, and the server
the newest KEEP_TOTAL of all visitors'. A page never fails
because its event could not be written: the failure goes to the server log.
"""

from __future__ import annotations

import logging
import math
import time

from app.store import LessonEvent

KEEP_PER_KIND = 20
KEEP_TOTAL = 200_000  # all visitors' events together (about 30 MB), the oldest dropped first
MAX_ABS = 1e6  # JSON (and PostgreSQL's JSONB) hold no infinities: a log ratio of -inf is kept as -1e6

# Each event and its values' types.
EVENTS: dict[str, dict[str, type]] = {
    "map_click": {"log_ratio": float, "tau": float},  # a decoded click on the latent map
    "em_run": {"converged": bool, "n_iter": int},  # "Run to convergence" on the 1-D page
    "cvae_classified": {"p_max": float, "guess": int},  # an image classified by p(y|x) on the CVAE page
}
_log = logging.getLogger(__name__)


def clean_values(event: str, values: dict) -> dict:
    """The values as stored; ValueError for an unknown event or value (a programming error, never a visitor's)."""
    spec = EVENTS.get(event)
    if spec is None:
        raise ValueError(f"not a lesson event: {event!r}")
    if set(values) != set(spec):
        raise ValueError(f"{event} records {sorted(spec)}, not {sorted(values)}")
    out = {}
    for name, kind in spec.items():
        value = values[name]
        if kind is bool:
            out[name] = bool(value)
        elif kind is int:
            out[name] = max(-10**9, min(10**9, int(value)))
        else:
            number = float(value)
            if math.isnan(number):
                raise ValueError(f"{event}.{name} is NaN")
            out[name] = max(-MAX_ABS, min(MAX_ABS, number))
    return out


def record(event: str, **values) -> None:
    """Remember that this visitor did `event`."""
    clean = clean_values(event, values)
    try:
        from app.common.identity import current_visitor
        from app.common.ownership import get_store

        get_store().add_lesson_event(current_visitor().key, event, clean, time.time(), KEEP_PER_KIND,
                                      KEEP_TOTAL)
    except Exception:  # a full disk or a locked database must not break the page the student is using
        _log.exception("lesson event %s not recorded", event)


def events_of(owner: str) -> list[LessonEvent]:
    from app.common.ownership import get_store

    return get_store().lesson_events(owner)


def record_once(event: str, key, **values) -> None:
    """record(), unless this browser session's last `event` had the same key: a page that redraws the same
    result on a rerun (a slider moved elsewhere) records it once."""
    import streamlit as st

    seen = st.session_state.setdefault("lesson_events_seen", {})
    fingerprint = hash(repr(key))
    if seen.get(event) == fingerprint:
        return
    seen[event] = fingerprint
    record(event, **values)
