"""Keep a Plotly chart's view (legend choices, pan/zoom) when a rerun redraws it.

st.plotly_chart gives a chart an id derived from its figure, so a figure that changes (tau moves, a
checkbox toggles) is mounted as a new Plotly graph and layout.uirevision has nothing to carry over.
This invisible components-v2 element remembers, in the browser, what the user did to each chart
(found by its layout.meta) and re-applies it to the new graph. The JS lives beside this file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import streamlit as st

from app.common.component_js import component_js

_component = st.components.v2.component(
    "vae_chart_view",
    js=component_js(Path(__file__).resolve().parent / "chart_view.js"),
)


@dataclass(frozen=True)
class KeptView:
    """One chart to watch. `legend`: key under which its hidden legend entries are remembered (the
    same key on another chart hides the same names); `zoom`: key under which its pan/zoom is
    remembered; choose one that changes whenever the chart's default frame does. None keeps nothing."""

    meta: str
    legend: str | None = None
    zoom: str | None = None


def keep_chart_views(charts: list[KeptView], key: str) -> None:
    """Mount once per page, outside the charts' fragments; it takes no space."""
    _component(key=key, data={"charts": [asdict(c) for c in charts]}, height=0)
