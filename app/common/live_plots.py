"""Charts that change while a run trains, drawn on canvases with uPlot and updated in place.

Plotly redraws a whole SVG graph (axes, tick labels, every trace) whenever its data changes. On the training
page three charts updated twice a second took headless Chromium about 0.23 cores of its main thread
(measured: 0.39 cores with the updates drawn, 0.16 with the same updates handed over and not drawn), and on a
2-core machine that came out of the training's speed. uPlot (MIT, vendored in app/common/vendor/) draws the
same charts on canvases that stay on the page for the run; an update is a setData. The JS and CSS live beside
this file; the chart specs are built by app/training/figures.py.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

_HERE = Path(__file__).resolve().parent
_VENDOR = _HERE / "vendor"

# An element's script travels with every delta that draws it, and the charts are redrawn twice a second:
# uPlot (51 kB) comes in an element of its own, drawn by the page's full run, which puts it on `window`.
_loader = st.components.v2.component(
    "vae_uplot",
    js=(_VENDOR / "uPlot.iife.min.js").read_text() + "\nexport default function () { window.uPlot ??= uPlot; }\n",
)
_component = st.components.v2.component(
    "vae_live_plots",
    js=(_HERE / "live_plots.js").read_text(),
    css=(_VENDOR / "uPlot.min.css").read_text() + "\n" + (_HERE / "live_plots.css").read_text(),
)

KINDS = ("lines", "bars", "scatter")


def load_uplot() -> None:
    """Put uPlot in the page; call it outside the fragment that calls `live_plots`."""
    _loader(key="vae_uplot", height=0)


def live_plots(rows: list[list[dict]], view: str, revision: int, key: str, columns: list[int] | None = None) -> None:
    """Draw rows of chart specs side by side; a later call with the same key updates them in place. Within
    one `view` (a run) the user's zoom and hidden series stay; `revision` names the update (an epoch), and
    each chart shows it (data-live-revision) for tests. `columns[r]` fixes row r's number of columns (a
    lone chart then takes its share, not the whole width)."""
    ids = [spec["id"] for row in rows for spec in row]
    if len(set(ids)) != len(ids):
        raise ValueError(f"chart ids must be unique on the page, got {ids}")
    for spec in (s for row in rows for s in row):
        if spec.get("kind") not in KINDS:
            raise ValueError(f"chart kind must be one of {KINDS}, got {spec.get('kind')!r}")
    _component(key=key, data={"rows": rows, "view": view, "revision": revision, "columns": columns})
