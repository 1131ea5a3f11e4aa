"""Who the visitor is: a browser, or a signed-in user, and where they connect from.

- A browser is a random 128-bit id kept in a cookie (`vae_visitor`, a year, SameSite=Strict): every tab
  and private window of one browser profile shares it, a reload finds it again. Streamlit reads cookies only
  from the websocket's opening request, so a browser without one gets an id from the server and a tiny
  component writes the cookie (and, if another tab wrote one first, reports that one, which is then taken);
  it is mounted on each run of that browser session (a few bytes) until the next page load sends the cookie.
  A valid `?visitor=<id>` in the address is taken when the browser has no cookie yet (a link to one's runs).
- With an `[auth]` section in secrets.toml (st.login, any OpenID Connect provider), a signed-in visitor is
  their e-mail address, whatever the browser; training and uploads then need signing in.
- The client address (`st.context.ip_address`; with VAE_EXPLORER_TRUSTED_PROXIES = N, the N-th entry from
  the right of X-Forwarded-For) backs up the per-visitor limits against many private windows.
- Admin: a signed-in e-mail listed in `admin_emails`, or a browser session that entered `admin_code`.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import threading
import time
import uuid
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitDuplicateElementKey

from app.common.server_secrets import has_secret
from app.store import SIGNED_IN_PREFIX

from .class_settings import ClassSettings, current_settings

COOKIE = "vae_visitor"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
VISITOR_PARAM = "visitor"
BROWSER_ID = re.compile(r"[0-9a-f]{32}")
S = st.session_state

# Reports back (and so reruns the page) only when another tab wrote a different id first: a rerun requested
# while the page's first run is still drawing its widgets would start them from their empty state.
_JS = """
export default function ({ data, setStateValue }) {
  const found = document.cookie.match(/(?:^|;\\s*)vae_visitor=([0-9a-f]{32})(?:;|$)/);
  if (found && found[1] !== data.id) { setStateValue("id", found[1]); return; }
  if (!found) {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `vae_visitor=${data.id}; Path=/; Max-Age=${data.max_age}; SameSite=Strict${secure}`;
  }
}
"""
_cookie_writer = st.components.v2.component("vae_visitor_cookie", js=_JS)


@dataclass(frozen=True)
class Visitor:
    key: str  # the owner of runs and models in the store
    kind: str  # "browser" or "login"
    address: str | None
    admin: bool
    may_train: bool  # signed in / class code given, where the teacher requires it
    why_not: str = ""  # what to do when may_train is False


def login_configured() -> bool:
    return has_secret("auth")


def _signed_in_email() -> str | None:
    try:
        user = st.user.to_dict()
    except Exception:  # no auth section, or a Streamlit without st.user: nobody is signed in
        return None
    email = user.get("email") if user.get("is_logged_in") else None
    return str(email).strip().lower()[:320] if email else None


def browser_id() -> str:
    """This browser's id: from its cookie, else a valid ?visitor=, else new (and the cookie written)."""
    if "visitor_browser" not in S:
        cookie = _cookies().get(COOKIE, "")
        given = st.query_params.get(VISITOR_PARAM, "")
        if BROWSER_ID.fullmatch(cookie):
            S.visitor_browser, S.visitor_cookie_ok = cookie, True
        else:
            S.visitor_browser = given if BROWSER_ID.fullmatch(given) else uuid.uuid4().hex
    if not S.get("visitor_cookie_ok"):
        try:
            _cookie_writer(key="visitor_cookie", data={"id": S.visitor_browser, "max_age": COOKIE_MAX_AGE_S},
                           default={"id": None}, on_id_change=lambda: None, height=0)
        except StreamlitDuplicateElementKey:
            pass  # already mounted in this script run (the page asked who the visitor is more than once)
        reported = S.get("visitor_cookie")
        seen = reported.get("id") if hasattr(reported, "get") else None
        if isinstance(seen, str) and BROWSER_ID.fullmatch(seen):
            S.visitor_browser, S.visitor_cookie_ok = seen, True  # another tab's cookie came first: one browser
    return S.visitor_browser


def current_visitor(settings: ClassSettings | None = None) -> Visitor:
    settings = settings or current_settings()
    address = client_address(settings.trusted_proxies)
    if login_configured():
        email = _signed_in_email()
        if email:
            admin = email in settings.admin_emails or bool(S.get("visitor_admin"))
            code_ok = settings.class_code is None or bool(S.get("visitor_class_ok")) or admin
            return Visitor(SIGNED_IN_PREFIX + email, "login", address, admin, code_ok,
                           "" if code_ok else "enter the class code to train or upload")
        return Visitor(browser_id(), "browser", address, bool(S.get("visitor_admin")), False,
                       "sign in to train or upload")
    admin = bool(S.get("visitor_admin"))
    code_ok = settings.class_code is None or bool(S.get("visitor_class_ok")) or admin
    return Visitor(browser_id(), "browser", address, admin, code_ok,
                   "" if code_ok else "enter the class code to train or upload")


# --- the client's address ---
def _connection() -> tuple[object, list[str]]:
    """(st.context.ip_address, the X-Forwarded-For header values): a seam for tests."""
    try:
        return st.context.ip_address, list(st.context.headers.get_all("X-Forwarded-For"))
    except Exception:  # outside a browser session (AppTest, a thread)
        return None, []


def client_address(trusted_proxies: int = 0) -> str | None:
    """The visitor's address, None when unknown (a visitor on the server itself, a test). Streamlit's server
    already takes X-Forwarded-For from a proxy on 127.0.0.1 (uvicorn's FORWARDED_ALLOW_IPS); beyond that the
    header is believed only for the N proxies the teacher says are theirs."""
    ip, forwarded = _connection()
    if trusted_proxies > 0:
        hops = [h.strip() for value in forwarded for h in str(value).split(",") if h.strip()]
        if len(hops) >= trusted_proxies:
            ip = hops[-trusted_proxies]
    if not isinstance(ip, str):
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def _cookies() -> dict:
    try:
        return dict(st.context.cookies)
    except Exception:
        return {}


# --- codes, with a bound on guesses ---
MAX_WRONG_CODES = 5  # per address (or browser) in WRONG_CODE_WINDOW_S
WRONG_CODE_WINDOW_S = 600
_wrong: dict[str, list[float]] = {}
_wrong_lock = threading.Lock()


def check_code(given: str, expected: str | None, who: str) -> bool:
    """Whether `given` is the code; refuses further tries from `who` after MAX_WRONG_CODES wrong ones."""
    now = time.time()
    with _wrong_lock:
        recent = [t for t in _wrong.get(who, []) if now - t < WRONG_CODE_WINDOW_S]
        if len(recent) >= MAX_WRONG_CODES:
            return False
        ok = expected is not None and hmac.compare_digest(given.strip().encode(), expected.encode())
        if not ok:
            if len(_wrong) > 10_000:  # bounded: forget the oldest half
                for key in sorted(_wrong, key=lambda k: _wrong[k][-1])[:5_000]:
                    del _wrong[key]
            _wrong[who] = [*recent, now]
        return ok


def tries_left(who: str) -> int:
    now = time.time()
    with _wrong_lock:
        return max(0, MAX_WRONG_CODES - sum(now - t < WRONG_CODE_WINDOW_S for t in _wrong.get(who, [])))
