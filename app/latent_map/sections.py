"""The latent map's sections below the map, as tabs of which only the open one runs.

Every section ran on every rerun of the page before (the exact posterior of one image, the EM-fitted prior,
the manifold grid): about 40% of the server's time for each change of τ or a box, for sections most
visitors had scrolled past. With `on_change="rerun"` Streamlit runs a tab's code only while it is open
(`TabContainer.open`), so a rerun costs the map and the open tab. The open tab is in the address
(?section=), so a lesson's link opens the section it talks about.
"""

from __future__ import annotations

import streamlit as st

from app.common.link_state import S, from_link, new_link_value, one_of, publish
from app.latent_map.panels import manifold_panel, prior_split_panel
from app.latent_map.posterior import posterior_panel
from app.latent_map.prior import prior_panel

KEY = "map_section"
# The address's short name for each tab; the posterior needs a 2-D latent (integrals over the plane).
SECTIONS = {"samples": "Prior samples in gaps", "em": "A prior fitted by EM",
            "posterior": "The true posterior of one image", "manifold": "Manifold grid"}
DEFAULT = "samples"


def shown_sections(latent_dim: int) -> dict[str, str]:
    return {code: label for code, label in SECTIONS.items() if code != "posterior" or latent_dim == 2}


def sections(model_name: str, data_name: str, method: str, dims, tau: float, latent_dim: int) -> None:
    shown = shown_sections(latent_dim)
    labels = list(shown.values())
    if new_link_value(KEY, "section") is not None:
        code = from_link("section", one_of(shown, "one of " + ", ".join(shown)), None)
        if code is not None:
            S[KEY] = shown[code]
    if S.get(KEY) not in labels:  # first visit, or a tab this model does not have (a 16-D latent's posterior)
        S[KEY] = shown[DEFAULT]
    tabs = st.tabs(labels, key=KEY, on_change="rerun", default=S[KEY])
    opened = next(code for code, tab in zip(shown, tabs) if tab.open)
    publish("section", opened, DEFAULT, key=KEY)
    with tabs[list(shown).index(opened)]:
        if opened == "samples":
            prior_split_panel(model_name, data_name, tau)
        elif opened == "em":
            prior_panel(model_name, data_name)
        elif opened == "posterior":
            posterior_panel(model_name, data_name)
        else:
            manifold_panel(model_name, data_name, method, dims)
