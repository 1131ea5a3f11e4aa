"""Session-state glue for the 1-D page's EM stepper (the stepping itself is
vae_core.oned.em_stepper). Takes the state mapping as an argument so it needs no
streamlit import."""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping

import numpy as np

from vae_core.oned.em_stepper import EMStepper

STATE_KEY = "em_stepper"


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
