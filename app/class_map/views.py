"""The class map page's sections: adding a digit, the map with its filters, a clicked point, the teacher's
controls, and the poll that redraws the page when another student adds a point."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.class_map.board import (
    MODEL,
    POLL_EVERY_S,
    add_point,
    board_points,
    fresh_points,
    knn_guess,
    log_ratios,
    pixels_of,
)
from app.class_map.figure import class_map_figure
from app.common.cache import get_model
from app.common.glossary import explain
from app.common.image_source import choose_image
from app.common.link_state import LinkValueError, from_link, integer_in, new_link_value, publish
from app.common.presenter import presenting
from app.common.shared_figure import content_key, shared_figure
from app.latent_map.tau import tau_select
from app.store import ClassMapFull
from vae_core.latent.manifold import decode_latents

S = st.session_state
LABELS = list(range(10))


def add_section(board: str, visitor, settings) -> None:
    st.subheader("Add your digit")
    if not visitor.may_train:
        st.info(f"To add to the class map, {visitor.why_not} (on the Train a VAE page).")
        return
    picked = choose_image(get_model(MODEL), key="class_map", label="Your digit", purpose="to add it to the map",
                          sources=("Draw", "Upload"))
    label = st.selectbox("Which digit is it?", LABELS, index=None, placeholder="Choose its label",
                         key="class_map_label", help="The class you meant: the map colours your star by it.")
    S.class_map_pick = None if picked is None else picked.pixels
    st.button("Add to the class map", type="primary", disabled=picked is None or label is None, key="class_map_add",
              on_click=_add, args=(board, visitor.key, settings))
    said = S.pop("class_map_said", None)
    if said:
        (st.success if said[0] == "ok" else st.error)(said[1])
    own = sum(p.owner == visitor.key for p in board_points(board))
    st.caption(f"You have added {own} of at most {settings.class_map_per_visitor} points "
               f"({settings.class_map_per_minute} a minute). Only the drawing's 28x28 pixels are kept, "
               "never your file, and no one sees who added a point.")


def _add(board: str, owner: str, settings) -> None:
    """The button's callback: runs before the next script run, so the map that run draws has the new point."""
    pixels, label = S.get("class_map_pick"), S.get("class_map_label")
    if pixels is None or label is None:
        return
    try:
        S.class_map_selected = add_point(board, owner, int(label), pixels, settings)
    except ClassMapFull as exc:
        S.class_map_said = ("error", f"Not added: {exc}.")
        return
    fresh_points(board)
    S.class_map_said = ("ok", "Added: your star is on the map, selected.")


def filters(points) -> tuple[list, float]:
    """The points shown, and τ: by label, and optionally only those that landed in a gap."""
    # The ten classes on a row of their own: beside τ they were cut off after the 6 at 1280 px.
    shown = st.pills("Show classes", LABELS, selection_mode="multi", default=LABELS, key="class_map_show")
    c1, c2 = st.columns([1, 1], vertical_alignment="bottom")
    tau = tau_select("Gap threshold τ (nats)", "class_map_tau", where=c1)
    in_gap = c2.toggle("Only the points that landed in a gap", key="class_map_gaps",
                       help="log q(z) − log p(z) < −τ at the point: the model's training codes leave it empty. "
                            + explain("gap"))
    keep = [p for p in points if p.label in (shown or [])]
    if in_gap:
        ratio = log_ratios(keep)
        keep = [p for p, r in zip(keep, ratio) if r < -tau]
    return keep, tau


def linked_point(points) -> None:
    """?point=<id> opens the map with that point selected: a drawing saved to the class map is linked from
    there (a drawing itself is never put in a link). Only a point of this board; anything else gets a notice."""
    ids = {p.id for p in points}

    def parse(raw: str) -> int:
        value = integer_in(1, 2**62)(raw)
        if value not in ids:
            raise LinkValueError("is not a point on this class map (deleted, or another class's)")
        return value
    if new_link_value("class_map_selected", "point") is not None:
        value = from_link("point", parse)
        if value is not None:
            S.class_map_selected = value


def map_section(board: str) -> None:
    points = board_points(board)
    S.class_map_seen = _version(points)  # first: a map that fails to draw must not make the poll rerun forever
    linked_point(points)
    shown, tau = filters(points)
    gapped = int(np.sum(log_ratios(points) < -tau))
    st.markdown(f"**{len(points)} points** on the class map, **{gapped}** of them in a gap at τ = {tau:g}; "
                f"{len(shown)} shown.")
    selected, height = S.get("class_map_selected"), 900 if presenting() else 640
    # Built once per board state and view for every viewer: thirty projectors and students redrawing at once
    # after a new point would otherwise build thirty copies of one figure.
    figure = shared_figure("class-map", content_key(tuple(p.id for p in shown), tau, selected, height),
                           lambda: class_map_figure(shown, tau, selected, height=height))
    event = st.plotly_chart(figure, key="class_map_chart", on_select="rerun", selection_mode="points",
                            config={"displaylogo": False, "scrollZoom": True})
    for point in (event.selection.points if event and event.selection else []):
        if isinstance(point.get("customdata"), int):
            S.class_map_selected = point["customdata"]
    selected = S.get("class_map_selected")
    publish("point", selected if selected in {p.id for p in points} else None, None, key="class_map_selected")


def point_section(board: str) -> None:
    selected = next((p for p in board_points(board) if p.id == S.get("class_map_selected")), None)
    st.subheader("The selected point")
    if selected is None:
        st.caption("Click a star on the map to see the drawing, its reconstruction and the classifier's guess.")
        return
    u8 = pixels_of(selected)
    recon = decode_latents(get_model(MODEL), np.array([[selected.x, selected.y]]), None)[0]
    guess, share = knn_guess(selected)
    ratio = float(log_ratios([selected])[0])
    a, b = st.columns(2)
    a.image(np.kron(u8, np.ones((4, 4), np.uint8)), caption=f"the drawing, labelled {selected.label}",
            output_format="PNG")
    b.image(np.kron(np.round(recon.clip(0, 1) * 255).astype(np.uint8), np.ones((4, 4), np.uint8)),
            caption="its reconstruction μ_D(μ(x))", output_format="PNG")
    verdict = "agrees with" if guess == selected.label else "differs from"
    st.markdown(f"At z = ({selected.x:.2f}, {selected.y:.2f}); log q(z) − log p(z) = {ratio:.1f} nats. "
                f"**kNN guess: {guess}** ({share:.0%} of the {10} nearest training codes), which {verdict} the "
                "student's label.")


def teacher_section(board: str) -> None:
    with st.expander("Teacher: delete a point or clear the map"):
        selected = S.get("class_map_selected")
        st.button("Delete the selected point", disabled=selected is None, key="class_map_delete",
                  on_click=_delete, args=(board, selected))
        sure = st.checkbox("Yes, remove every point", key="class_map_sure")
        st.button("Clear the class map", disabled=not sure, key="class_map_clear", on_click=_clear, args=(board,))
        if S.pop("class_map_cleared", False):
            st.success("The class map is empty.")


def _delete(board: str, point_id: int | None) -> None:
    from app.common.ownership import get_store

    if point_id is not None:
        get_store().delete_class_point(board, int(point_id))
    S.class_map_selected = None
    fresh_points(board)


def _clear(board: str) -> None:
    from app.common.ownership import get_store

    get_store().clear_class_points(board)
    S.class_map_selected, S.class_map_sure, S.class_map_cleared = None, False, True
    fresh_points(board)


def _version(points) -> tuple[int, int]:
    return len(points), max((p.id for p in points), default=0)


@st.fragment(run_every=POLL_EVERY_S)
def poll(board: str) -> None:
    """Every POLL_EVERY_S: the server's shared copy of the board (no database read of its own); when it changed
    since this page drew it, the page is drawn again."""
    points = board_points(board)
    if _version(points) != S.get("class_map_seen"):
        st.rerun(scope="app")
