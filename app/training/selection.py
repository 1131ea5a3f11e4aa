"""Which of the visitor's runs the page shows: the one its address names (?run=N, the visitor's own run
number), else the latest; a picker when they have several; the form filled with the shown run's settings."""

from __future__ import annotations

import re

import streamlit as st

from .live import STATE_TEXT
from .settings import show_settings_of
from .worker import Run

RUN_PARAM = "run"
_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def selected_run(runs: list[Run]) -> Run | None:
    raw = st.query_params.get(RUN_PARAM, "")
    if isinstance(raw, str) and _NUMBER.fullmatch(raw):
        found = next((r for r in runs if r.number == int(raw)), None)
        if found is not None:
            return found
    return runs[-1] if runs else None


def show_run(run: Run) -> None:
    """Put the run in the page's address: a reload, a restart or a bookmark opens it again."""
    if st.query_params.get(RUN_PARAM) != str(run.number):
        st.query_params[RUN_PARAM] = str(run.number)


def form_follows(run: Run | None) -> None:
    """When the page opens on a run (or another run is picked), the form shows that run's settings once;
    after that the visitor's edits stay."""
    if run is not None and st.session_state.get("tr_form_run") != run.id:
        st.session_state.tr_form_run = run.id
        show_settings_of(run.cfg)


def run_picker(runs: list[Run], current: Run) -> None:
    if len(runs) < 2:
        return
    numbers = [r.number for r in reversed(runs)]
    by_number = {r.number: r for r in runs}

    def label(n: int) -> str:
        r = by_number[n]
        return f"Run {n}: {r.label} ({STATE_TEXT.get(r.state, r.state)})"

    def picked() -> None:
        st.query_params[RUN_PARAM] = str(st.session_state.tr_run_pick)

    st.session_state.tr_run_pick = current.number
    st.selectbox("Your runs", numbers, key="tr_run_pick", format_func=label, on_change=picked)
