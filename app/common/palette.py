"""One visual language for every page and every library (Plotly figures, uPlot charts, the canvases of the
components): the class colours, the gap colour, and the fixed colour ranges of quantities pages share.

A class keeps its colour everywhere (class 1 is the same orange on the latent map, the Train page's live
map, the upload and conditional pages). No class colour is grey, so the gap shading, a neutral dark veil with
an outline drawn above the points, is never mistaken for a class.
"""

from __future__ import annotations

# Tableau 10 with its grey (#7f7f7f) replaced by a dark indigo: grey is the gaps' colour.
CLASS_COLOURS: tuple[str, ...] = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                  "#8c564b", "#e377c2", "#393b79", "#bcbd22", "#17becf")
NO_CLASS_COLOUR = "#4c78a8"  # points of a data set without labels

GAP_FILL = "rgba(40, 40, 40, 0.30)"  # the shading of log q(z) - log p(z) < -tau
GAP_OUTLINE = "#111111"  # the gap region's outline, drawn above the points so it shows where they cover it
GAP_NAME = "gap (grey, outlined)"

TRAIN_COLOUR, VALIDATION_COLOUR = "#1f77b4", "#d62728"  # training and validation curves
INACTIVE_COLOUR = "#bbbbbb"  # latent units with average KL under the active-unit threshold

# log q(z) - log p(z) in nats on every latent map and at one range, so one shade means one value on every
# page and for every model; values beyond are drawn at the ends (the colour bar says so).
LOG_RATIO_RANGE = (-30.0, 10.0)
LOG_RATIO_COLOURSCALE = "Blues"


def class_colour(label: int) -> str:
    """The colour of class `label` (0-based); labels beyond ten cycle."""
    return CLASS_COLOURS[int(label) % len(CLASS_COLOURS)]


def rgb(colour: str) -> tuple[int, int, int]:
    """(r, g, b) of a #rrggbb colour, for the canvases that paint pixels."""
    c = colour.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"expected #rrggbb, got {colour!r}")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
