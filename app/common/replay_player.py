"""A training replayed after the fact: a slider and a play button over the recorded epochs redraw the map,
the curves up to that epoch and the image rows in the browser (vae_core/vae/replay.py keeps what is shown).

The replay goes to the browser once per session (about 2 MB at most, base64 in the JSON, as a components-v2
payload is bytes or JSON, not both); a later rerun of the page sends only its id. The JS and CSS live beside
this file.
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import streamlit as st

from app.common.component_js import component_js
from app.common.palette import CLASS_COLOURS, TRAIN_COLOUR, VALIDATION_COLOUR
from vae_core.vae.replay import TrainingReplay

HERE = Path(__file__).resolve().parent
SENT = "_replays_sent"  # the replay ids this browser session has received
PRIOR_CIRCLES = (1, 2, 3)  # the prior's 1, 2, 3 sigma circles: the spread's scale, as on the live map

_component = st.components.v2.component(
    "vae_replay_player",
    js=component_js(HERE / "replay_player.js"),
    css=(HERE / "replay_player.css").read_text(),
)


def _b64(array: np.ndarray, dtype: str) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii")


def replay_payload(replay: TrainingReplay, history: list[dict]) -> dict:
    """What the browser draws from: the replay's arrays and the sidecar's curves (every epoch)."""
    recorded = replay.epochs
    note = (f"{len(recorded)} of the run's {replay.epochs_run} epochs are kept (the first, the last and an even "
            "spread between), within the replay's 2 MB. " if len(recorded) < replay.epochs_run else "")
    if recorded[0] > 1:
        note += f"The replay starts at epoch {recorded[0]}: the run was restarted from a checkpoint there. "
    note += ("The map's axes are z1 and z2 themselves, with the prior's 1, 2 and 3 σ circles."
             if replay.projection == "latent" else
             "The map shows every epoch on the first two principal components of the final model's means μ(x), "
             "fitted once, so the epochs share one basis; the prior's circles do not apply to a projection.")
    return {
        "epochs": recorded.astype(int).tolist(), "epochs_run": int(replay.epochs_run),
        "points": _b64(replay.points, "<f4"), "labels": replay.labels.astype(int).tolist(),
        "colours": list(CLASS_COLOURS), "axis_titles": list(replay.axis_titles),
        "circles": list(PRIOR_CIRCLES) if replay.projection == "latent" else [],
        "originals": _b64(replay.originals, "u1"), "reconstructions": _b64(replay.reconstructions, "u1"),
        "samples": _b64(replay.samples, "u1"),
        "height": int(replay.originals.shape[1]), "width": int(replay.originals.shape[2]),
        "row_count": int(replay.originals.shape[0]), "sample_count": int(replay.samples.shape[1]),
        "row_captions": [["originals", "Validation images x"], ["reconstructions", "their reconstructions μ_D(μ(x))"],
                         ["samples", "prior samples μ_D(z), the same z every epoch"]],
        "curves": {"epoch": [int(r["epoch"]) for r in history], "ylabel": "ELBO, nats per image",
                   "series": [{"label": "training ELBO", "color": TRAIN_COLOUR, "dash": False,
                               "y": [float(r["train_elbo"]) for r in history]},
                              {"label": "validation ELBO", "color": VALIDATION_COLOUR, "dash": True,
                               "y": [float(r["val_elbo"]) for r in history]}]},
        "note": note,
    }


def _resend(key: str) -> None:
    wanted = (st.session_state.get(key) or {}).get("need")
    st.session_state.setdefault(SENT, set()).discard(wanted)


def replay_player(replay: TrainingReplay, history: list[dict], replay_id: str, key: str) -> None:
    """Mount the player; `replay_id` names the replay's content (the sidecar's hash), for the browser to keep."""
    sent = st.session_state.setdefault(SENT, set())
    data = {"id": replay_id, "replay": None if replay_id in sent else replay_payload(replay, history)}
    sent.add(replay_id)
    _component(key=key, data=data, on_need_change=lambda: _resend(key))


@st.cache_resource(max_entries=8, show_spinner=False)
def _replay(name: str, sha: str) -> TrainingReplay | None:
    """A model's replay, read and checked once per content (the sidecar's hash), kept for every visitor."""
    from vae_core.vae.registry import model_replay

    return model_replay(name)


def show_replay(name: str, key: str) -> bool:
    """The model's replay with its player, or a line saying why there is none; whether one was shown."""
    from vae_core.errors import VAECoreError
    from vae_core.vae.registry import model_card

    try:
        card = model_card(name)
        entry = card.get("replay")
        replay = _replay(name, entry["sha256"]) if isinstance(entry, dict) and entry.get("sha256") else None
    except VAECoreError as exc:
        st.caption(f"No replay to show: {exc}")
        return False
    if replay is None:
        why = ("a shipped model, trained before replays were kept" if not name.startswith("user:") else
               "it was trained before replays were kept, or outside the Train page")
        st.caption(f"No replay of this model's training: {why}.")
        return False
    replay_player(replay, card.get("history") or [], entry["sha256"][:16], key)
    return True
