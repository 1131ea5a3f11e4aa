"""Charts that change while a run trains, updated in place in the browser instead of redrawn.

st.plotly_chart derives a chart's element id from the figure, so a figure whose data changes is mounted
as a new Plotly graph every time; on the training page, twice a second, that kept the browser's main
thread about 70% busy. Here each chart is drawn once as a skeleton (the figure without its data, the
same for the whole run, so its element keeps its id) and an invisible components-v2 element hands the
current figure to the browser, which applies it with Plotly.react. The JS lives beside this file.
"""

from __future__ import annotations

import functools
import json

import plotly.graph_objects as go
import streamlit as st

from app.common.poll_mount import read_component_js

_component = st.components.v2.component(
    "vae_live_figure",
    js=read_component_js("live_figure.js"),
)

# What changes from one update to the next, left out of the skeleton so that its element id stays.
_TRACE_DATA = ("x", "y", "text", "customdata", "hovertext", "mode")
_LAYOUT_DATA = ("title", "annotations", "shapes", "template")
_AXIS_DATA = ("type", "range", "autorange")


def skeleton(spec: dict) -> dict:
    """The figure without its data: its traces' kinds and names, its size and axes, no values."""
    data = []
    for trace in spec["data"]:
        trace = {k: v for k, v in trace.items() if k not in _TRACE_DATA}
        marker = trace.get("marker")
        if isinstance(marker, dict) and not isinstance(marker.get("color", ""), str):
            trace["marker"] = {k: v for k, v in marker.items() if k != "color"}
        data.append(trace)
    layout = {}
    for k, v in spec["layout"].items():
        if k in _LAYOUT_DATA:
            continue
        if k.startswith(("xaxis", "yaxis")) and isinstance(v, dict):
            v = {a: b for a, b in v.items() if a not in _AXIS_DATA}
        layout[k] = v
    return {"data": data, "layout": layout}


@functools.lru_cache(maxsize=64)
def _validated(skeleton_json: str) -> go.Figure:
    # Validated once: st.plotly_chart would validate a dict again on every update.
    return go.Figure(json.loads(skeleton_json))


def live_chart(spec: dict, key: str) -> None:
    """Draw the chart's skeleton; `live_updates` fills it in the browser. The spec (a Plotly figure as a
    dict) needs a layout.meta that names it, unique on the page."""
    if not spec["layout"].get("meta"):
        raise ValueError("a live chart needs layout.meta to be found in the page")
    st.plotly_chart(_validated(json.dumps(skeleton(spec), sort_keys=True)), key=key)


def live_updates(specs: list[dict], view: str, revision: int, key: str) -> None:
    """Hand the current figures (Plotly specs as JSON-ready dicts) to the browser, which applies each to
    its skeleton in place. Within one `view` (a run, say) the user's zoom and hidden legend entries stay;
    a new view starts afresh. `revision` names this update (an epoch); each graph shows it for tests."""
    charts = [{"meta": spec["layout"]["meta"], "view": view, "revision": revision, "figure": spec}
              for spec in specs]
    _component(key=key, data={"charts": charts}, height=0)
