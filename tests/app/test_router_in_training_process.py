"""A training process (multiprocessing's spawn or forkserver) re-runs the server's main script as __mp_main__:
the router must then draw nothing, or every st call in it logs "missing ScriptRunContext!" (the burst in the
server's log when a training started) and the home page runs bare in the child."""

import runpy
from pathlib import Path
from unittest import mock

import streamlit as st

ROUTER = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def test_the_router_draws_nothing_when_a_child_process_reimports_it():
    with mock.patch.object(st, "set_page_config") as config, mock.patch.object(st, "navigation") as navigation:
        runpy.run_path(str(ROUTER), run_name="__mp_main__")
    assert not config.called and not navigation.called


def test_the_router_still_runs_as_main():
    with mock.patch.object(st, "set_page_config") as config, mock.patch.object(st, "navigation") as navigation, \
            mock.patch("app.common.presenter.presenter_toggle"), \
            mock.patch("app.common.gc_freeze.freeze_after_new_imports"):
        runpy.run_path(str(ROUTER), run_name="__main__")
    assert config.called and navigation.return_value.run.called
