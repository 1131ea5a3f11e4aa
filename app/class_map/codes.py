"""Class maps a teacher creates, each joined with its own code: a class of Tuesday and one of Thursday draw on
two maps of one server. A code is 8 characters of an alphabet without look-alikes (no 0/O, 1/I), made by the
`secrets` module: 32**8, about 10**12 codes, so one cannot be guessed. Only its hash is stored, as the board's
name, so a code is shown once, when it is made; the server's default map stays for whoever joins none."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

import streamlit as st

from app.common.link_state import LinkValueError
from app.common.ownership import get_store
from app.store import ClassBoard

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MOST_BOARDS = 50  # class maps on one server; a teacher deletes an old one to make room
TITLE_CHARS = 60
READ_EVERY_S = 2.0  # the list of class maps, shared by every viewer: read at most this often per server


class CodeError(LinkValueError):
    """A code or a title the page cannot use; the message is the one line the visitor sees."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """ABCD2345 as the teacher reads it out: ABCD-2345."""
    return f"{code[:4]}-{code[4:]}"


def parse_code(raw: str) -> str:
    """A typed or linked code, any case, with or without its dash and spaces; CodeError when it cannot be one."""
    code = re.sub(r"[\s-]", "", str(raw))[:2 * CODE_LENGTH].upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        raise CodeError(f"is not a class code ({CODE_LENGTH} letters and digits, as ABCD-2345)")
    return code


def board_of_code(code: str) -> str:
    """The board a code opens, named by the code's hash: a teacher's code, or the class code of secrets.toml
    (app/class_map/board.board_of)."""
    return "class-" + hashlib.sha256(code.encode()).hexdigest()[:16]


def clean_title(raw: str) -> str:
    title = " ".join(str(raw).split())
    if not title:
        raise CodeError("give the class map a name, as \"Tuesday lab\"")
    if len(title) > TITLE_CHARS or not title.isprintable():
        raise CodeError(f"a class map's name is at most {TITLE_CHARS} printable characters")
    return title


@st.cache_resource(ttl=READ_EVERY_S, max_entries=1, show_spinner=False)
def class_boards() -> tuple[ClassBoard, ...]:
    return tuple(get_store().class_boards())


def board_titled(board: str) -> ClassBoard | None:
    return next((b for b in class_boards() if b.board == board), None)


def create_board(title: str) -> str:
    """A new class map named `title`; returns its code (ClassMapFull when the server has MOST_BOARDS)."""
    code = new_code()
    get_store().add_class_board(board_of_code(code), clean_title(title), time.time(), MOST_BOARDS)
    class_boards.clear()
    return code


def join(raw: str) -> ClassBoard:
    """The class map a typed or linked code opens; CodeError when no teacher made that code on this server."""
    code = parse_code(raw)
    found = board_titled(board_of_code(code))
    if found is None:
        raise CodeError("opens no class map on this server (ask your teacher for it again)")
    return found


def delete_board(board: str) -> None:
    get_store().delete_class_board(board)
    class_boards.clear()
