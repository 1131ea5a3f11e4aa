"""Who may train and upload, as the teacher configured it: signing in (st.login), a class code, and the
teacher's own panel (the admin code, the queue)."""

from __future__ import annotations

import time

import streamlit as st

from app.common.class_settings import ClassSettings
from app.common.identity import Visitor, check_code, login_configured, tries_left
from app.common.server_secrets import secret_section
from app.store import SIGNED_IN_PREFIX

from .worker import TrainingManager

S = st.session_state


def _provider() -> str | None:
    """st.login's provider: None for a single [auth] section, else the first named one ([auth.google])."""
    auth = secret_section("auth")
    named = [k for k, v in auth.items() if hasattr(v, "items")]
    return named[0] if named else None


def access_gate(visitor: Visitor, settings: ClassSettings) -> None:
    """What a visitor who may not train yet has to do: sign in, or give the class code."""
    if visitor.may_train:
        return
    if login_configured() and visitor.kind != "login":
        st.info("Sign in to train models or upload them on this server.")
        st.button("Sign in", key="tr_login", on_click=st.login, args=(_provider(),) if _provider() else ())
        return
    who = visitor.address or visitor.key
    with st.form("tr_class_code_form", border=False):
        code = st.text_input("Class code", type="password", key="tr_class_code",
                             help="Your teacher gives it in class. It lets you train and upload models here.")
        if st.form_submit_button("Enter"):
            if check_code(code, settings.class_code, who):
                S.visitor_class_ok = True
                st.rerun()
            elif tries_left(who) == 0:
                st.error("too many wrong codes: try again in ten minutes")
            else:
                st.error("that is not this class's code")


def _who(owner: str) -> str:
    """A signed-in visitor's e-mail; a browser by the first 8 digits of its id (enough to tell them apart)."""
    return owner.removeprefix(SIGNED_IN_PREFIX) if owner.startswith(SIGNED_IN_PREFIX) else f"browser {owner[:8]}"


def teacher_panel(visitor: Visitor, settings: ClassSettings, mgr: TrainingManager) -> None:
    """For the teacher: sign in as admin with the admin code, then see the server's queue."""
    if not visitor.admin and settings.admin_code is None:
        return
    with st.expander("Teacher", expanded=False):
        if not visitor.admin:
            who = visitor.address or visitor.key
            code = st.text_input("Admin code", type="password", key="tr_admin_code")
            if st.button("Enter", key="tr_admin_enter"):
                if check_code(code, settings.admin_code, who):
                    S.visitor_admin = True
                    st.rerun()
                st.error("too many wrong codes: try again in ten minutes" if tries_left(who) == 0
                         else "that is not the admin code")
            return
        st.caption("Signed in as the teacher: you can delete any model (My models, above) and see the queue.")
        rows = [{"place": "training" if r.status != "queued" else mgr.position(r),
                 "visitor": _who(r.owner), "run": f"Run {r.number}: {r.label}",
                 "epoch": f"{len(r.history)} of {r.cfg.epochs}", "address": r.address or "",
                 "waiting since": time.strftime("%H:%M:%S", time.localtime(r.submitted_at))}
                for r in mgr.queue()]
        if rows:
            st.dataframe(rows, hide_index=True, key="tr_queue_table")
        else:
            st.caption("The queue is empty: nothing is training.")
