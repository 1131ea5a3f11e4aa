"""Traversal: drag latent sliders and watch the decoder live, strips along each dimension, interpolation."""

import base64
import time

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from app.common.layout import folded, page_intro
from app.common.link_state import LinkValueError, from_link, held, new_link_value, one_of, publish, seed_widget
from app.common.live_decoder import live_decoder, live_weights, released, wire_pixels
from app.common.model_cache import data_name
from app.common.ui import PICKER_HELP, picker_models, user_errors
from app.traversal.sections import export_buttons, interpolation_section, strips_section
from vae_core.errors import VAECoreError
from vae_core.latent.traversal import SLIDER_RANGE, check_latent_dim, clamp, decode, parse_z, png_bytes

S = st.session_state
STRIPS_DEFER_S = 0.05

DEFAULT_MODEL = "mnist-2d"  # as on every page: two sliders, and its interpolations cross gaps a student can see

page_intro("Latent traversal",
           "Drag a slider to move z and watch the decoded image follow; below, strips along each dimension and an "
           "interpolation between two codes that shows where the path crosses a gap.", "traversal")
st.caption("Your browser re-runs the decoder on every mouse move, so the image follows the drag. On release the "
           "server decodes the same z with PyTorch, the source of truth, and the two are compared.")
with folded("The mathematics: decoding z, and the KL that orders the sliders"):
    st.latex(r"x = \mu_D(z), \qquad z = \mu + \sigma \odot \varepsilon, \quad \varepsilon \sim \mathcal{N}(0, I)")
    st.latex(r"\overline{\mathrm{KL}}_j = \frac{1}{N}\sum_{i=1}^{N} \tfrac12\left(\mu_{ij}^2 + \sigma_{ij}^2 "
             r"- \log \sigma_{ij}^2 - 1\right)")
    st.markdown("Sliders are ordered by the average KL of their dimension over the training set; a dimension "
                "with average KL under 0.01 nats carries almost no information and is grouped as inactive.")


def set_start(z, source: str) -> None:
    """Move the sliders to a new starting point (clamped to the slider range, and say so)."""
    z, clamped = clamp(z, SLIDER_RANGE)
    note = ""
    if clamped:
        note = (f"{clamped_names(clamped, len(z))} outside the slider range "
                f"[-{SLIDER_RANGE:g}, {SLIDER_RANGE:g}]: clamped.")
    S.trav_z, S.trav_source, S.trav_note = [float(v) for v in z], source, note
    S.trav_pixels = S.trav_pixels_z = None  # the browser's pixels were of the old z: never compare them
    S.trav_nonce = S.get("trav_nonce", 0) + 1


def clamped_names(dims: list[int], d: int) -> str:
    """'all 16 dimensions were', 'z1 and z3 were', or the first eight and how many more."""
    if len(dims) == d and d > 1:
        return f"all {d} dimensions were"
    names = [f"z{i + 1}" for i in dims]
    if len(names) > 8:
        return ", ".join(names[:8]) + f" and {len(names) - 8} more were"
    if len(names) == 1:
        return names[0] + " was"
    return ", ".join(names[:-1]) + " and " + names[-1] + " were"


def pick_model() -> str | None:
    names, label = picker_models()
    handoff = S.pop("traversal_start", None)  # set by the upload page before switching here
    if handoff:
        S.trav_upload = handoff
        S.traversal_model = handoff["model"]
    pair = S.get("interpolate_endpoints")
    if pair and S.get("trav_pair_seen") != pair:  # a new pair from the upload page: show its path at once
        S.trav_pair_seen = pair
        S.interp_on, S.interp_source = True, "Two uploads"
        if not handoff:
            S.traversal_model = pair["model"]
    extra = [m for m in (S.get("trav_upload", {}).get("model"), (pair or {}).get("model")) if m and m not in names]
    options = names + list(dict.fromkeys(extra))
    if not options:
        st.error("No pretrained models found in pretrained/. Train one with `python -m vae_core train`.")
        return None
    seed_widget("traversal_model", "model", one_of(options, "a model on this server"),
                DEFAULT_MODEL if DEFAULT_MODEL in options else options[0])
    if S.get("traversal_model") not in options:
        S.traversal_model = DEFAULT_MODEL if DEFAULT_MODEL in options else options[0]
    name = st.sidebar.selectbox("Model", options, key="traversal_model", **held("traversal_model", options),
                                format_func=label, help=PICKER_HELP)
    publish("model", name, DEFAULT_MODEL, key="traversal_model")
    if handoff and handoff.get("model") == name:
        set_start(handoff["z"], handoff.get("source", "upload"))
        S.trav_model_loaded = name  # so the model check below keeps this start point
    return name


def start_from_link(d: int) -> None:
    """?z=0.5,-1 opens the sliders at that z (clamped like any start); read once per link."""
    if new_link_value("trav_z", "z") is None:
        return

    def parse(text: str):
        try:
            return parse_z(text, d)
        except VAECoreError:
            raise LinkValueError(f"is not {d} finite comma-separated numbers, one per dimension") from None
    z = from_link("z", parse)
    if z is not None:
        set_start(z, "link")


def start_controls(name: str, model) -> None:
    d = model.config.latent_dim
    cols = st.columns([1, 1.5, 2.2, 3])  # "Random draw" was cut off at 1280 px with [1, 1, 2, 3]
    if cols[0].button("Zero", key="start_zero", width="stretch"):
        set_start(np.zeros(d), "zero")
    if cols[1].button("Random draw", key="start_random", width="stretch"):
        S.trav_seed = S.get("trav_seed", 0) + 1
        set_start(np.random.default_rng(S.trav_seed).standard_normal(d), f"prior draw (seed {S.trav_seed})")
    up = S.get("trav_upload")
    if up and up.get("model") == name and cols[1].button("Uploaded image", key="start_upload"):
        set_start(up["z"], up.get("source", "upload"))
    dname = data_name(name)
    if dname:
        data = get_dataset(dname)
        with cols[2].form("start_index_form", border=False):
            # No max here: the browser would silently refuse a larger index; say why instead.
            index = st.number_input(f"{dname} image index (0 to {len(data) - 1})", 0, None, 0, key="start_index")
            if st.form_submit_button("Start from its mu"):
                if index >= len(data):
                    st.error(f"image index: {dname} has {len(data):,} images, so use 0 to {len(data) - 1}; "
                             f"got {index}.")
                else:
                    start_from_image(model, data, int(index))
    with cols[3].form("typed_z_form", border=False):
        text = st.text_input(f"Exact z ({d} comma-separated numbers)", key="typed_z")
        if st.form_submit_button("Set z") and text.strip():
            with user_errors():
                set_start(parse_z(text, d), "typed")
    if dname:
        gallery(model, get_dataset(dname))


def start_from_image(model, data, index: int) -> None:
    from vae_core.latent.aggregate import encode_dataset

    mu, _ = encode_dataset(model, data.x[index:index + 1], data.y[index:index + 1])
    label = data.class_names[int(data.y[index])] if data.class_names else str(data.y[index])
    set_start(mu[0], f"mu of {data.name} image #{index} ({label})")


def gallery(model, data) -> None:
    with st.expander("Start from a gallery image"):
        idx = np.random.default_rng(7).choice(len(data), 8, replace=False)
        cols = st.columns(8)
        for col, i in zip(cols, idx):
            col.image((data.images([i])[0] * 255).astype(np.uint8), width=56, output_format="PNG")
            if col.button(f"#{i}", key=f"gallery_{i}"):
                start_from_image(model, data, int(i))


def take_release() -> None:
    """on_release callback: runs before the fragment reruns, so the component is mounted with the
    server's decode of exactly this release (no second round trip)."""
    rel = released()
    seq = rel.get("seq") if rel else None
    if not isinstance(seq, int) or rel.get("nonce") != S.get("trav_nonce") or seq == S.get("trav_seq"):
        return
    try:
        z, _ = clamp(rel["z"], SLIDER_RANGE)  # the component clamps too; never trust the wire
    except (KeyError, TypeError, VAECoreError):
        return
    if len(z) == len(S.trav_z):
        S.trav_z, S.trav_seq, S.trav_pixels = [float(v) for v in z], seq, wire_pixels(rel.get("pixels"))
        S.trav_pixels_z = list(S.trav_z)  # the z those browser pixels decode
        S.trav_source, S.trav_note = "dragged", ""


@st.fragment
def live_section(name: str, model, label: int | None) -> None:
    z = np.asarray(S.trav_z)
    server = decode(model, z, label)[0]
    u8 = np.round(server.clip(0, 1) * 255).astype(np.uint8)  # rounded exactly as the browser rounds
    pixels, gap = S.get("trav_pixels"), None
    same_z = S.get("trav_pixels_z") == list(S.trav_z)  # compare only two decodes of one z
    if pixels is not None and same_z and len(pixels) == server.size and S.get("trav_seq"):
        gap = float(np.max(np.abs(np.asarray(pixels, dtype=np.float64) - server.reshape(-1))))
    if S.get("trav_note"):
        st.warning(S.trav_note)
    live_decoder(name, S.trav_z, S.trav_nonce, label, note=S.get("trav_note", ""), on_release=take_release,
                 server={"seq": S.get("trav_seq", 0), "u8": base64.b64encode(u8.tobytes()).decode(), "gap": gap})
    # The component above shows the browser's and the server's decode side by side; a third,
    # larger copy taught nothing, so the server's PNG is only offered for download.
    publish("z", S.trav_z, [0.0] * len(S.trav_z), fmt=lambda v: ",".join(f"{x:.3g}" for x in v), key="trav_z")
    png = png_bytes(u8, scale=max(1, 168 // model.config.image_shape[0]))
    st.markdown(f"**z** ({S.trav_source}): `{np.array2string(z, precision=2, max_line_width=90)}`")
    if gap is not None:
        if gap <= 1e-4:
            st.success(f"Browser and server decodes of this z match: max |difference| {gap:.1e} per pixel "
                       "(limit 1e-4).")
        else:
            st.error(f"Browser and server decodes of this z differ: max |difference| {gap:.1e} per pixel, "
                     "above the limit of 1e-4.")
    export_buttons(name, z, png, label)
    # Give the browser a moment to draw the server's decode of a release before the strips' deltas arrive:
    # rendered in the same batch they delayed it (bench_traversal: release -> image 152 -> 109 ms median).
    time.sleep(STRIPS_DEFER_S)
    strips_section(model, z, label)


name = pick_model()
if name:
    with user_errors():
        model = get_model(name)
        check_latent_dim(model.config.latent_dim)
        d = model.config.latent_dim
        if S.get("trav_model_loaded") != name or len(S.get("trav_z", [])) != d:
            given = len(S.get("trav_z", [])) if S.get("trav_model_loaded") == name else d
            S.trav_model_loaded = name
            set_start(np.zeros(d), "zero")
            if given != d:
                S.trav_note = f"The start point had {given} numbers but this model has {d} dimensions: starting at 0."
        start_from_link(d)
        label = None
        if model.config.conditional:
            labels = list(model.config.labels)
            label = st.sidebar.selectbox("Class label fed to the decoder", range(len(labels)),
                                         format_func=lambda i: labels[i], key="trav_label")
        live_weights(name)  # first, so the browser parses the weights while the rest of the page arrives
        start_controls(name, model)
        live_section(name, model, label)
        interpolation_section(name, model, label)
