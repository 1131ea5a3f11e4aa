"""AppTest helpers shared by the page tests: open a page with session state, check that it ran clean, and read
what it shows (captions, Plotly figures and the typed arrays inside them)."""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from testkit import PAGES, REPO


def page_path(name: str) -> str:
    """The script of a page, `name` as in app/pages/<name>.py; "streamlit_app" is the router."""
    return str(REPO / "streamlit_app.py") if name == "streamlit_app" else str(PAGES / f"{name}.py")


def new_page(name: str, state: dict | None = None, timeout: float = 240, **more_state) -> AppTest:
    """An AppTest of the page, not yet run, with session_state set as a visitor's earlier clicks would have."""
    at = AppTest.from_file(page_path(name), default_timeout=timeout)
    for key, value in {**(state or {}), **more_state}.items():
        at.session_state[key] = value
    return at


def open_page(name: str, state: dict | None = None, timeout: float = 240, **more_state) -> AppTest:
    """The page after its first run; `state` (or keyword arguments) preset in session_state."""
    return new_page(name, state, timeout, **more_state).run()


def error_messages(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def assert_ok(at: AppTest) -> None:
    """No exception (no traceback) and no st.error."""
    assert not at.exception, at.exception
    assert not at.error, error_messages(at)


def image_captions(at: AppTest) -> list[str]:
    """The caption of every image of every st.image on the page, in order."""
    return [i.caption for im in at.get("image") for i in im.proto.imgs]


def chart_specs(at: AppTest) -> list[dict]:
    """Every st.plotly_chart's figure, as the browser receives it."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_spec(at: AppTest, meta: str | None = None) -> dict:
    """The first Plotly figure, or the one whose layout.meta is `meta`."""
    specs = chart_specs(at)
    assert specs, "no plotly chart on the page"
    if meta is None:
        return specs[0]
    found = [s for s in specs if s.get("layout", {}).get("meta") == meta]
    assert found, f"no plotly chart with layout.meta {meta!r}"
    return found[0]


def plotly_array(value) -> np.ndarray:
    """A Plotly data array from a chart spec: a list, or the base64 typed array {"dtype", "bdata", "shape"} that
    plotly makes of a numpy array (2-D arrays carry their shape as "rows,cols")."""
    if isinstance(value, dict):
        a = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return a.reshape([int(v) for v in str(shape).split(",")]) if shape else a
    return np.asarray(value, dtype=float)
