"""The EM stepper's buttons (E-step, M-step, Run to convergence, Restart) as one components-v2 element that
numbers every click, so that clicks made while the server is still busy are applied late, in order, instead of
being merged away (app/one_d/state.py explains; the JS lives beside this file)."""

from __future__ import annotations

from html import escape
from pathlib import Path

import streamlit as st

from app.one_d import state as one_d_state

HERE = Path(__file__).resolve().parent
KEY = "em_buttons"

_HTML = ('<div class="em-buttons">' + "".join(
    f'<button type="button" data-action="{code}">{escape(label)}</button>'
    for code, label in one_d_state.ACTIONS.items()) + '<span class="status" aria-live="polite"></span></div>')

# Streamlit's secondary button, from its theme variables, so the row looks like the rest of the page.
_CSS = """
.em-buttons { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; font-family: var(--st-font); }
button { padding: 0.25rem 0.75rem; min-height: 2.5rem; border-radius: var(--st-button-radius);
         border: 1px solid var(--st-border-color); background: var(--st-secondary-background-color);
         color: var(--st-text-color); font: inherit; cursor: pointer; }
button:hover { border-color: var(--st-primary-color); color: var(--st-primary-color); }
button:active { background: var(--st-primary-color); color: #fff; }
.status { color: var(--st-text-color); opacity: 0.7; font-size: 0.85rem; }
"""

_component = st.components.v2.component("vae_em_buttons", html=_HTML, css=_CSS,
                                        js=(HERE / "em_buttons.js").read_text())


def em_buttons(state) -> list[str]:
    """Mount the buttons; returns the actions clicked since the last run, oldest first. The log is read before
    the buttons are drawn, so they are drawn knowing which clicks this run applies."""
    previous = state.get(KEY)
    clicks = one_d_state.new_clicks(state, previous.get("log") if hasattr(previous, "get") else None)
    data = {"key": KEY, "epoch": one_d_state.click_epoch(state), "applied": one_d_state.applied_click(state)}
    _component(key=KEY, data=data, default={"log": None}, on_log_change=lambda: None)
    return clicks
