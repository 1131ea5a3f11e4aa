"""The training form's settings in the page's address (?latent=16&beta=0.1&...), so a teacher can hand out a
link that opens the form filled in. Each value is checked against the form's own bounds; a refused one falls
back to the default with a notice, as on every page (app/common/link_state.py)."""

from __future__ import annotations

import re

import streamlit as st

from app.common.link_state import LinkValueError, integer_in, number_in, one_of, publish, seed_widget, short_number
from vae_core.vae.train_config import BETA_RANGE

S = st.session_state


def _hidden(raw: str) -> str:
    if not re.fullmatch(r"\d{1,4}(,\d{1,4}){0,7}", raw):
        raise LinkValueError("is not up to 8 comma-separated layer widths")
    return raw


def _flag(raw: str) -> bool:
    return one_of(["0", "1"], "0 or 1")(raw) == "1"


def parsers(datasets) -> dict:
    return dict(data=one_of(datasets, "a data set the form offers"), latent=integer_in(1, 64), hidden=_hidden,
                likelihood=one_of(["bernoulli", "gaussian"], "bernoulli or gaussian"),
                beta=number_in(*BETA_RANGE), kl_weight=number_in(0.0, 100.0), samples=integer_in(1, 64),
                warmup=integer_in(0, 1000), epochs=integer_in(1, 500), batch=integer_in(1, 4096),
                lr=number_in(1e-6, 1.0), seed=integer_in(0, 2**32 - 1), conditional=_flag)


def form_from_link(datasets, defaults: dict) -> None:
    """Before the form is drawn: the link's settings, each read once per link."""
    for name, parse in parsers(datasets).items():
        seed_widget(f"tr_{name}", name, parse, defaults[name])


def form_to_link(values: dict, defaults: dict) -> None:
    """After the form: the address holds every setting that differs from the default."""
    for name, value in values.items():
        fmt = (lambda v: "1" if v else "0") if isinstance(value, bool) else short_number \
            if isinstance(value, float) else str
        publish(name, value, defaults[name], fmt, key=f"tr_{name}")
