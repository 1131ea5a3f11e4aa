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
import plotly.graph_objects as go
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


class PreparedFigure(go.Figure):
    """An unvalidated Figure whose to_dict (a deep copy of every array, then each encoded as base64: what
    st.plotly_chart calls on every run) is computed once, for a figure kept and shown again unchanged. Never
    change one after it is shown: the next showing would not see the change."""

    def __init__(self, figure) -> None:
        super().__init__(figure, _validate=False)
        self._prepared_dict = None

    def to_dict(self):
        if self._prepared_dict is None:
            self._prepared_dict = super().to_dict()
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
