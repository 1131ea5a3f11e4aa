"""Which class map the page shows: the server's, or a teacher's joined with its code (typed, or from a link's
?code=, which the page keeps in its address so that Copy link hands out the map); and the teacher's list of
class maps, to create and delete them."""

from __future__ import annotations

import streamlit as st

from app.class_map.codes import (
    MOST_BOARDS,
    TITLE_CHARS,
    CodeError,
    board_of_code,
    board_titled,
    class_boards,
    create_board,
    delete_board,
    join,
    parse_code,
    shown_code,
)
from app.common.link_state import from_link, new_link_value, publish
from app.store import ClassMapFull

S = st.session_state
JOINED = "class_map_joined"  # (board, code) of the teacher's class map this session joined
SERVER_MAP = "this server's class map"


def current_board(default_board: str) -> tuple[str, str]:
    """(board, its title): the joined class map while it exists, else the server's own."""
    if new_link_value(JOINED, "code") is not None:  # a link just opened: its code, read once
        found = from_link("code", lambda raw: (join(raw).board, parse_code(raw)))
        if found is not None:
            _joined(*found)
    board, title = default_board, SERVER_MAP
    if S.get(JOINED):
        found = board_titled(S[JOINED][0])
        if found is None:
            st.info("Your teacher deleted the class map you joined: this is the server's map.")
            S[JOINED] = None
        else:
            board, title = found.board, found.title
    publish("code", S[JOINED][1] if S.get(JOINED) else None, None, key=JOINED)
    return board, title


def _joined(board: str, code: str) -> None:
    S[JOINED] = (board, code)
    S.class_map_selected = None  # a point of the map left behind


def join_section(title: str) -> None:
    joined = S.get(JOINED)
    st.markdown(f"You are on **{title}**" + (f" (code {shown_code(joined[1])})." if joined else "."))
    with st.expander("Join your class's map with its code" if not joined else "Another class map"):
        with st.form("class_map_join", border=False, enter_to_submit=True):
            typed = st.text_input("Class code", placeholder="ABCD-2345", max_chars=20, key="class_map_code",
                                  help="Your teacher's code for the class's map; a link from them opens it too.")
            pressed = st.form_submit_button("Join")
        if pressed:
            try:
                found = join(typed)
            except CodeError as exc:
                st.error(f"That code {exc}.")
            else:
                _joined(found.board, parse_code(typed))
                st.rerun()
        if joined and st.button("Leave it for the server's map", key="class_map_leave"):
            S[JOINED], S.class_map_selected = None, None
            st.rerun()


def teacher_boards_section() -> None:
    with st.expander("Teacher: class maps for your classes"):
        st.caption(f"Each class map has its own code: students type it here, or open the link you give them. "
                   f"At most {MOST_BOARDS} on this server. Only a code's hash is kept, so write the code down: "
                   "it is shown once.")
        made = S.pop("class_map_made", None)
        if made:
            st.success(f"Created **{made[1]}**. Its code is **{shown_code(made[0])}**; this page's address now "
                       f"holds it (?code={made[0]}), so *Copy link to this view* gives your students the link.")
            st.code(shown_code(made[0]), language=None)  # large enough to read out, and a button copies it
        title = st.text_input("Name of a new class map", max_chars=TITLE_CHARS, placeholder="Tuesday lab",
                              key="class_map_title")
        st.button("Create a class map", key="class_map_create", disabled=not title.strip(), on_click=_create,
                  args=(title,))
        said = S.pop("class_map_board_said", None)
        if said:
            st.error(said)
        boards = class_boards()
        if not boards:
            return
        names = {b.board: b.title for b in boards}
        doomed = st.selectbox("A class map to delete, with its points", list(names), format_func=names.get,
                              key="class_map_doomed")
        sure = st.checkbox("Yes, delete it and every point on it", key="class_map_doomed_sure")
        st.button("Delete the class map", key="class_map_delete_board", disabled=not sure, on_click=_delete,
                  args=(doomed,))


def _create(title: str) -> None:
    try:
        code = create_board(title)
    except (CodeError, ClassMapFull) as exc:
        S.class_map_board_said = f"Not created: {exc}."
        return
    _joined(board_of_code(code), code)
    S.class_map_made, S.class_map_title = (code, " ".join(title.split())), ""


def _delete(board: str) -> None:
    delete_board(board)
    S.class_map_doomed_sure = False
    if S.get(JOINED) and S[JOINED][0] == board:
        S[JOINED] = None
