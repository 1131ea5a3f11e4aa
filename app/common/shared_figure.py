"""Figures that depend only on shared results (a cached fit, a model), built once for every visitor.

Building a Plotly figure in Python is a real part of what a page costs the server: on the 1-D page its
nine figures were about a third of the work for each new visitor (py-spy). A figure that depends only on
cached results is the same for every session, so it is built once and handed to st.plotly_chart, which
copies it and never changes it. The cache is bounded in entries and in the size of each entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import orjson
import plotly.graph_objects as go
import plotly.io
import streamlit as st


def content_key(*parts) -> str:
    """A short key for arrays and plain values (settings, names), by their contents."""
    h = hashlib.sha1()
    for part in parts:
        if isinstance(part, np.ndarray):
            h.update(np.ascontiguousarray(part).tobytes())
            h.update(repr((part.dtype.str, part.shape)).encode())
        else:
            h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


# The cache's memory bound: at most MAX_SHARED figures of at most MAX_SHARED_VALUES data values each (about
# 100 MB of float64 in all). A figure of a larger data set (a visitor's big CSV) is built for its page alone.
MAX_SHARED = 128
MAX_SHARED_VALUES = 100_000


_FRAGMENT = getattr(orjson, "Fragment", None)  # orjson >= 3.9 (requirements.txt)


class _PreparedDict(dict):
    """A figure's dict that also keeps its JSON. st.plotly_chart turns the dict into JSON on every run with
    plotly.io.to_json, whose orjson engine asks an object for `to_plotly_json()` first: the JSON made once is
    handed back as an orjson.Fragment, written out as it is. Made once, it has been through plotly's own
    escaping of "<", ">" and "/", so that pass finds nothing to replace (it copied the latent map's half
    megabyte of base64 on every run: 3 ms of a 55 ms rerun). The json engine ignores this and encodes the
    dict itself, to the same text."""

    _json = None

    def to_plotly_json(self):
        if _FRAGMENT is None:  # an orjson before 3.9: the dict, encoded as any other
            return dict(self)
        if self._json is None:
            self._json = _FRAGMENT(plotly.io.to_json(dict(self), validate=False, remove_uids=False))
        return self._json


class PreparedFigure(go.Figure):
    """An unvalidated Figure whose to_dict (a deep copy of every array, then each encoded as base64: what
    st.plotly_chart calls on every run) and JSON are computed once, for a figure kept and shown again
    unchanged. Never change one after it is shown: the next showing would not see the change."""

    def __init__(self, figure) -> None:
        super().__init__(figure, _validate=False)
        self._prepared_dict = None

    def to_dict(self):
        if self._prepared_dict is None:
            plain = super().to_dict()
            for trace in plain.get("data", []):  # what plotly.io.to_json drops, dropped before the JSON is made
                trace.pop("uid", None)
            self._prepared_dict = _PreparedDict(plain)
        return self._prepared_dict


@st.cache_resource(max_entries=MAX_SHARED, show_spinner=False)
def _shared(name: str, key: str, _build: Callable[[], go.Figure]) -> go.Figure:
    return PreparedFigure(_build())


def shared_figure(name: str, key: str, build: Callable[[], go.Figure], values: int = 0) -> go.Figure:
    """`build()`'s figure, built by the first visitor with this (name, key): the key must name everything
    the figure is drawn from. `values`: how many data values the figure holds (its largest array)."""
    if values > MAX_SHARED_VALUES:
        return build()
    return _shared(name, key, build)
