"""A drawing pad for a digit: an inline components-v2 canvas, so it works offline
(no package, no CDN). White ink on an opaque black canvas, like MNIST; the drawing
reaches Python as a PNG data URL when a stroke ends, and goes through the same
preprocessing as an uploaded file."""

from __future__ import annotations

import base64

import streamlit as st

_HTML = """
<div class="pad">
  <canvas width="280" height="280" aria-label="drawing pad"></canvas>
  <div class="row"><button type="button" class="clear">Clear</button>
  <span class="hint">Draw one digit with the mouse or a finger</span></div>
</div>
"""

_CSS = """
.pad { font-family: var(--st-font); }
canvas { background: #000; border-radius: 6px; touch-action: none; cursor: crosshair;
         border: 1px solid var(--st-border-color); display: block; }
.row { margin-top: 0.4rem; display: flex; gap: 0.6rem; align-items: center; }
button { padding: 0.25rem 0.8rem; border-radius: var(--st-button-radius); cursor: pointer;
         border: 1px solid var(--st-border-color); background: transparent; color: var(--st-text-color); }
.hint { color: var(--st-text-color); opacity: 0.7; font-size: 0.85rem; }
"""

# Redraws the last drawing from `data` after a rerun re-creates the canvas, so the
# pad does not go blank when Python answers.
_JS = """
export default function ({ parentElement, data, setStateValue }) {
  const canvas = parentElement.querySelector("canvas");
  const ctx = canvas.getContext("2d");
  const fill = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  if (!canvas.dataset.ready) {
    canvas.dataset.ready = "1";
    fill();
    if (data && data.png) {
      const img = new Image();
      img.onload = () => ctx.drawImage(img, 0, 0);
      img.src = data.png;
    }
  }
  ctx.strokeStyle = "#fff"; ctx.lineWidth = 18; ctx.lineCap = "round"; ctx.lineJoin = "round";
  let drawing = false;
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  canvas.onpointerdown = (e) => {
    drawing = true; canvas.setPointerCapture(e.pointerId);
    const [x, y] = pos(e); ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x + 0.1, y); ctx.stroke();
  };
  canvas.onpointermove = (e) => {
    if (!drawing) return;
    const [x, y] = pos(e); ctx.lineTo(x, y); ctx.stroke();
  };
  const end = () => {
    if (!drawing) return;
    drawing = false;
    setStateValue("png", canvas.toDataURL("image/png"));
  };
  canvas.onpointerup = end; canvas.onpointercancel = end;
  parentElement.querySelector("button.clear").onclick = () => { fill(); setStateValue("png", null); };
}
"""

_pad = st.components.v2.component("vae_draw_pad", html=_HTML, css=_CSS, js=_JS)

PREFIX = "data:image/png;base64,"


def draw_pad(key: str = "draw_pad") -> bytes | None:
    """Mount the pad; returns the current drawing as PNG bytes, or None when blank."""
    previous = st.session_state.get(key)
    png = previous.get("png") if isinstance(previous, dict) or hasattr(previous, "get") else None
    result = _pad(key=key, data={"png": png}, default={"png": None}, on_png_change=lambda: None)
    url = getattr(result, "png", None)
    if not isinstance(url, str) or not url.startswith(PREFIX):
        return None
    try:
        return base64.b64decode(url[len(PREFIX):], validate=True)
    except ValueError:
        return None
