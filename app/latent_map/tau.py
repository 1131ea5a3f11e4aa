"""The gap threshold τ: one control for every page that shades gaps (the latent map, the β² trade-off), on a scale
where the useful range is wide (small steps at small τ, large ones where q(z) is far above the prior)."""

from __future__ import annotations

import streamlit as st

from app.common.glossary import explain
from app.common.link_state import held, number_in, prepare, publish, short_number
from app.latent_map.chart import TAU_CHOICES


def tau_select(label: str, key: str, where=st, default: float = 2.0, help_extra: str = "") -> float:
    """A select slider over TAU_CHOICES, kept in the address as ?tau= (a link's value snapped to the nearest
    choice)."""
    def parse(raw: str) -> float:
        value = number_in(TAU_CHOICES[0], TAU_CHOICES[-1])(raw)
        return min(TAU_CHOICES, key=lambda t: abs(t - value))
    prepare(key, "tau", parse, default)
    tau = where.select_slider(label, TAU_CHOICES, key=key, **held(key), format_func=lambda t: f"{t:g}",
                              help=explain("τ") + help_extra)
    publish("tau", tau, default, short_number, key=key)
    return tau
