"""Session-state glue for the 1-D page's EM stepper (the stepping itself is vae_core.oned.em_stepper): the
stepper held per session, and the browser's click log that drives it. Takes the state mapping as an argument
so it needs no streamlit import.

Why a click log: Streamlit merges the rerun requests that arrive while a run is under way, and a button is a
trigger that is either set or not, so "M-step, E-step, M-step" pressed during one run arrive as one E and one M.
The page's buttons (app/one_d/em_buttons.js) instead number every click and send the recent ones; the server
applies, in order, each click it has not applied yet, so a click made during a rerun is late, never lost."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import MutableMapping

import numpy as np

from vae_core.oned.em_stepper import EMStepper

STATE_KEY = "em_stepper"
APPLIED_KEY = "em_applied_click"  # the number of the last click applied
EPOCH_KEY = "em_click_epoch"  # a token per session: a log from another session (an old tab) is ignored
ACTIONS = {"E": "E-step", "M": "M-step", "C": "Run to convergence", "R": "Restart"}
MAX_CLICKS = 32  # the browser keeps this many recent clicks; the server applies at most this many per run


def em_stepper(state: MutableMapping, x: np.ndarray, opts: dict, seed: int, restart: bool = False) -> EMStepper:
    """The stepper held in state, started afresh when the data or any setting
    that decides the initialisation changed, or on restart; tol and max_iter
    only affect "run to convergence", so changing them keeps the steps taken."""
    key = (hashlib.sha1(x.tobytes()).hexdigest(), opts["k"], opts["init"], opts["var_floor"], seed)
    held = state.get(STATE_KEY)
    if held is None or held[0] != key or restart:
        held = (key, EMStepper.start(x, opts["k"], opts["init"], opts["var_floor"], seed))
        state[STATE_KEY] = held
    return held[1]


def click_epoch(state: MutableMapping) -> str:
    """This session's token, made on first use."""
    if EPOCH_KEY not in state:
        state[EPOCH_KEY] = secrets.token_hex(8)
    return state[EPOCH_KEY]


def new_clicks(state: MutableMapping, log) -> list[str]:
    """The actions ("E", "M", "C", "R") of the clicks in the browser's `log` not applied yet, oldest first, and
    marks them applied. `log` is untrusted: {"epoch": str, "clicks": [[number, action], ...]}; anything else,
    another session's epoch, an unknown action or a number that is not a positive int is ignored, and at most
    MAX_CLICKS are taken."""
    try:
        epoch, clicks = log["epoch"], log["clicks"]
    except (TypeError, KeyError, IndexError):
        return []
    if epoch != click_epoch(state) or not isinstance(clicks, list):
        return []
    applied = int(state.get(APPLIED_KEY, 0))
    fresh: dict[int, str] = {}
    for click in clicks[-MAX_CLICKS:]:
        if not (isinstance(click, list) and len(click) == 2):
            continue
        number, action = click
        if isinstance(number, int) and not isinstance(number, bool) and number > applied and action in ACTIONS:
            fresh[number] = action
    if fresh:
        state[APPLIED_KEY] = max(fresh)
    return [fresh[n] for n in sorted(fresh)]


def applied_click(state: MutableMapping) -> int:
    return int(state.get(APPLIED_KEY, 0))
