"""The 1-D page's EM buttons under AppTest: send clicks as the buttons' script does (app/one_d/em_buttons.js),
numbered, with the recent ones in the log."""

from __future__ import annotations

from app.one_d import state as one_d_state
from app.one_d.em_buttons import KEY


def click_em(at, *actions: str):
    """Press the buttons in order ("E", "M", "C" for Run to convergence, "R" for Restart), all before the next
    run, as a student clicking while the server is busy; returns the AppTest after that one run."""
    clicks = at.session_state[KEY]["log"]["clicks"] if _has_log(at) else []
    number = max([one_d_state.applied_click(_state(at)), *(n for n, _ in clicks)])
    for action in actions:
        number += 1
        clicks = [*clicks, [number, action]][-one_d_state.MAX_CLICKS:]
    at.session_state[KEY] = {"log": {"epoch": at.session_state[one_d_state.EPOCH_KEY], "clicks": clicks}}
    return at.run()


def _has_log(at) -> bool:
    try:
        return bool(at.session_state[KEY]["log"])
    except (KeyError, TypeError):
        return False


def _state(at) -> dict:
    try:
        return {one_d_state.APPLIED_KEY: at.session_state[one_d_state.APPLIED_KEY]}
    except KeyError:
        return {}
