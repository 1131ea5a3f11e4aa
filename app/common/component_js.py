"""The script of a components-v2 element: its own file with the shared DOM helpers (dom.js) in front,
since an inline script cannot import another module. No streamlit here, so a browser test can load
exactly what the page is sent."""

from __future__ import annotations

from pathlib import Path

DOM_JS = Path(__file__).resolve().parent / "dom.js"


def component_js(script: Path) -> str:
    return DOM_JS.read_text() + "\n" + script.read_text()
