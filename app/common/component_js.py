"""The script of a components-v2 element that watches Plotly graphs: its own file with the shared mounting
code (dom.js) in front, since an inline script cannot import another module."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def read_component_js(name: str) -> str:
    return (_HERE / "dom.js").read_text() + "\n" + (_HERE / name).read_text()
