"""A page's view kept in its address, the way TensorFlow Playground keeps its state in the URL: a widget's
value is read from the link once, when the page opens in a browser that has no state for it yet, and written
back to the address whenever it changes, so the address is always a link to what is on screen.

Every value in an address is untrusted. One that does not parse, is out of range or names nothing on this
server falls back to the page's default with a one-line notice that echoes a cleaned, shortened copy of it."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from vae_core.errors import VAECoreError

MAX_CHARS = 200  # a longer value is refused before it is parsed (a 16-D z is about 100 characters)
S = st.session_state


class LinkValueError(ValueError):
    """A value in the address that the page cannot use; the message says what would be accepted."""


def shown(raw: str) -> str:
    """The visitor's text as it may be echoed: printable, without markup, at most 24 characters."""
    return re.sub(r"[^0-9A-Za-z.,+_-]", "?", raw[:24]) + ("…" if len(raw) > 24 else "")


def notice(name: str, raw: str, why: str, default: Any = None) -> None:
    instead = "the default" if default is None else f"{default:g}, the default" if isinstance(default, float) \
        else f"{default}, the default"
    st.info(f"The link's {name}={shown(raw)} {why}: using {instead}.", icon=":material/link_off:")


def from_link(name: str, parse: Callable[[str], Any], default: Any = None) -> Any | None:
    """The address's `name` parsed, or None (absent, empty, or refused with a notice). `parse` raises
    LinkValueError (or the library's one-line VAECoreError) to refuse a value."""
    raw = st.query_params.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_CHARS:
        notice(name, raw, f"is longer than {MAX_CHARS} characters", default)
        return None
    try:
        return parse(raw)
    except (LinkValueError, VAECoreError, ValueError, OverflowError) as exc:
        notice(name, raw, str(exc) if isinstance(exc, LinkValueError) else "is not valid here", default)
        return None


ENTERING = "_link_entering"  # set by the router: this run opened the page (a new session, or from another page)


def new_link_value(key: str, name: str) -> str | None:
    """The address's `name` when it is a link just opened for the widget or value `key`, else None. Only a run
    that opened the page reads the address: on a rerun within the page, the address the browser sends may be
    older than the widget (a second key press arrives before the browser has the address of the first), and
    reading it would undo the press. The router says which runs open the page; a page run on its own (a test)
    counts as opening it. A value read once is not read again."""
    raw = st.query_params.get(name)
    known = S.setdefault("_link_text", {})
    if raw is None or raw == known.get(key) or not S.get(ENTERING, True):
        return None
    known[key] = raw  # read once: a refused value is not noticed again on every rerun
    return raw


def seed_widget(key: str, name: str, parse: Callable[[str], Any], default: Any = None) -> None:
    """Before a widget keyed `key` is drawn: when a link just opened holds a value for it, the widget takes the
    link's value. The widget must then be created without its own default (Streamlit warns when both are
    given)."""
    if new_link_value(key, name) is None:
        return
    value = from_link(name, parse, default)
    if value is not None:
        S[key] = value


def prepare(key: str, name: str, parse: Callable[[str], Any], default: Any) -> None:
    """seed_widget, then the page's default where neither the session nor a link gave the widget a value."""
    seed_widget(key, name, parse, default)
    if key not in S:
        S[key] = default


def held(key: str, options=None) -> dict:
    """The keyword that draws the widget `key` with the value the session holds for it, as its own default:
    `value=` (or, given the widget's `options`, `index=` for a radio or selectbox). Without it the widget's
    default is its first option or minimum, and a browser that opened a link sometimes showed that default
    while the server held the link's value (the 1-D page's K read 1 for ?k=2 in 2 of 4 fresh browsers; never
    once in 6 with this). The session's value still wins over a default, so nothing else changes."""
    if options is None:
        return {"value": S[key]}
    return {"index": list(options).index(S[key])}


def publish(name: str, value: Any, default: Any = None, fmt: Callable[[Any], str] = str,
            key: str | None = None) -> None:
    """After the widget: the address holds `value` (nothing when it is the default, to keep links short)."""
    text = None if value is None or value == default else fmt(value)
    S.setdefault("_link_text", {})[key or name] = text
    current = st.query_params.get(name)
    if text is None:
        if current is not None:
            del st.query_params[name]
    elif current != text:
        st.query_params[name] = text


def one_of(choices, what: str) -> Callable[[str], str]:
    """A parser that accepts exactly one of `choices` (strings), naming `what` they are when it refuses."""
    allowed = [str(c) for c in choices]

    def parse(raw: str) -> str:
        if raw not in allowed:
            raise LinkValueError(f"is not {what}")
        return raw
    return parse


def integer_in(lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"[+-]?\d{1,12}", raw.strip()) or not lo <= int(raw) <= hi:
            raise LinkValueError(f"is not a whole number from {lo} to {hi}")
        return int(raw)
    return parse


def number_in(lo: float, hi: float, step: float | None = None) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not lo <= value <= hi:
            raise LinkValueError(f"is not a number from {lo:g} to {hi:g}")
        if step:
            value = min(hi, max(lo, lo + round((value - lo) / step) * step))
        return value
    return parse


def numbers(count: int, bound: float) -> Callable[[str], list[float]]:
    """A parser of `count` comma-separated finite numbers, each within ±bound (a point, a z)."""
    def parse(raw: str) -> list[float]:
        parts = raw.split(",")
        try:
            values = [float(p) for p in parts] if len(parts) == count else []
        except ValueError:
            values = []
        if len(values) != count or not all(math.isfinite(v) and abs(v) <= bound for v in values):
            raise LinkValueError(f"is not {count} comma-separated numbers within ±{bound:g}")
        return values
    return parse


def short_numbers(values) -> str:
    return ",".join(f"{v:.4g}" for v in values)


def short_number(value: float) -> str:
    """4.0 -> '4', 0.25 -> '0.25': what a person would type into a link."""
    return f"{value:g}"


def linked_number(where, label: str, lo, hi, default, key: str, name: str | None = None, **kwargs):
    """where.number_input kept in the address as ?name= (the key by default); whole numbers when the bounds
    and default are ints."""
    name = name or key
    whole = all(isinstance(v, int) for v in (lo, hi, default))
    prepare(key, name, integer_in(lo, hi) if whole else number_in(lo, hi), default)
    value = where.number_input(label, lo, hi, key=key, **held(key), **kwargs)
    publish(name, value, default, str if whole else short_number, key=key)
    return value


def linked_choice(widget, label: str, options, default, key: str, name: str | None = None,
                  codes: dict | None = None, **kwargs):
    """A radio, selectbox, select slider or toggle-like choice (`widget`, e.g. st.sidebar.radio) kept in the
    address as ?name=: the option's str(), or its short code from `codes` (option -> code)."""
    name = name or key
    code = (lambda o: codes.get(o, str(o))) if codes else str
    by_text = {code(o): o for o in options}
    prepare(key, name, lambda raw: by_text[one_of(by_text, "one of " + ", ".join(by_text))(raw)], default)
    if S[key] not in options:  # kept from an earlier page whose options differ
        S[key] = default
    by_index = getattr(widget, "__name__", "") != "select_slider"  # a select slider takes value=
    value = widget(label, options, key=key, **held(key, options if by_index else None), **kwargs)
    publish(name, value, default, code, key=key)
    return value


def linked_toggle(where, label: str, key: str, name: str, default: bool = False, **kwargs) -> bool:
    """where.toggle kept in the address as ?name=1 (on) or ?name=0."""
    prepare(key, name, lambda raw: one_of(["0", "1"], "0 or 1")(raw) == "1", default)
    value = where.toggle(label, key=key, **held(key), **kwargs)
    publish(name, value, default, lambda v: "1" if v else "0", key=key)
    return value


def linked_slider(where, label: str, lo, hi, default, key: str, name: str | None = None, step=None, **kwargs):
    """where.slider kept in the address as ?name=; a link's value is snapped to the slider's step."""
    name = name or key
    whole = all(isinstance(v, int) for v in (lo, hi, default))
    prepare(key, name, integer_in(lo, hi) if whole else number_in(lo, hi, step), default)
    value = where.slider(label, lo, hi, step=step, key=key, **held(key), **kwargs)
    publish(name, value, default, str if whole else short_number, key=key)
    return value
