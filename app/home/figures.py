"""The home page's model figures as metrics that fit a third of a 1280 px page: a long value ("Bernoulli
(binarised pixels)", "Gaussian, beta^2=0.05", "-151.48 nats ± 0.00") is cut by Streamlit's metric at about
260 px, so its head stays the metric's value and the rest goes, in full, in the small grey line below."""

from __future__ import annotations

import re

# Where a value's head ends: a bracket, a comma and a space (not the comma of 1,000), or a standard error.
_SPLIT = re.compile(r"^(?P<head>[^(,±]+?)\s*(?:\((?P<paren>[^)]*)\)|,\s+(?P<comma>.+)|(?P<pm>±.+))$")


def split_value(value: str) -> tuple[str, str | None]:
    """(head, detail): "Bernoulli (binarised pixels)" -> ("Bernoulli", "binarised pixels"); "Gaussian,
    beta^2=0.05" -> ("Gaussian", "β² = 0.05"); "-151.48 nats ± 0.00" -> ("-151.48 nats", "± 0.00"); a value
    with none of these is kept whole."""
    m = _SPLIT.match(value.strip())
    if m is None:
        return value, None
    detail = m["paren"] or m["comma"] or m["pm"]
    detail = re.sub(r"beta\^2\s*=\s*", "β² = ", detail.strip())
    return m["head"].strip(), detail


def show_metric(column, label: str, value: str, help: str | None) -> None:
    head, detail = split_value(value)
    if detail is None:
        column.metric(label, value, help=help)
    else:  # the detail as a grey delta without an arrow: it is part of the value, not a change
        column.metric(label, head, delta=detail, delta_color="off", delta_arrow="off", help=help)
