"""The class map's data: which board a visitor adds to, the limits, the points (read from the store at most
once per READ_EVERY_S per server, however many viewers poll), and a new point's place and kNN guess.

A board belongs to the class code the teacher set in secrets.toml (a new code starts an empty map), or to the
whole server when there is none. A point is the student's chosen label and the 28x28 preprocessed pixels of
their drawing (never the uploaded file), placed at the encoder's mean under MODEL, a 2-D model, so the map
needs no projection."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from app.common.cache import get_model
from app.common.class_settings import ClassSettings
from app.common.ownership import get_store
from app.latent_map import cache as lmc
from app.store import ClassMapFull, ClassPoint, ClassPointLimits
from vae_core.latent.aggregate import encode_dataset, log_aggregate_density, log_prior
from vae_core.latent.placement import LatentIndex

MODEL = "mnist-2d"  # the latent map's default: its plane is the whole latent space
DATA = "mnist-5k"  # its training set, whose codes are the map's background
READ_EVERY_S = 0.5  # a viewer's poll (POLL_EVERY_S) reads the server's cached copy, refreshed at most this often
POLL_EVERY_S = 1.0  # with READ_EVERY_S: a new point reaches every viewer within 2 s
N_NEIGHBOURS = 10


def board_of(settings: ClassSettings) -> str:
    """'server', or a name derived from the class code (the code itself is never stored)."""
    from app.class_map.codes import board_of_code

    return board_of_code(settings.class_code) if settings.class_code else "server"


def limits_of(settings: ClassSettings) -> ClassPointLimits:
    return ClassPointLimits(per_minute=settings.class_map_per_minute, per_visitor=settings.class_map_per_visitor,
                            per_board=settings.class_map_points)


@st.cache_resource(ttl=READ_EVERY_S, max_entries=64, show_spinner=False)
def board_points(board: str) -> tuple[ClassPoint, ...]:
    """The board's points, shared by every viewer of this server: one database read per READ_EVERY_S."""
    return tuple(get_store().class_points(board))


def fresh_points(board: str) -> tuple[ClassPoint, ...]:
    """After this visitor's own change: read again now, so they see it at once."""
    board_points.clear()
    return board_points(board)


def add_point(board: str, owner: str, label: int, pixels: np.ndarray, settings: ClassSettings) -> int:
    """Encode the (28, 28) pixels in [0, 1] and store the point; ClassMapFull says which limit refused it, or
    that the teacher deleted the class map (a page drawn before the deletion still offers it)."""
    from app.class_map.codes import board_titled

    if board != board_of(settings) and board_titled(board) is None:
        raise ClassMapFull("your teacher deleted this class map: reload the page")
    u8 = np.round(np.clip(np.asarray(pixels, dtype=np.float64), 0, 1) * 255).astype(np.uint8)
    if u8.shape != (28, 28):
        raise ValueError(f"a class-map point is 28x28 pixels, got {u8.shape}")
    x, y = code_of(u8)
    return get_store().add_class_point(board, owner, int(label), u8.tobytes(), x, y, time.time(),
                                       limits_of(settings))


def code_of(u8: np.ndarray) -> tuple[float, float]:
    """The encoder's mean μ(x) of 28x28 uint8 pixels, under MODEL."""
    mu, _ = encode_dataset(get_model(MODEL), (u8.astype(np.float32) / 255.0).reshape(1, -1), np.zeros(1, int))
    return float(mu[0, 0]), float(mu[0, 1])


def pixels_of(point: ClassPoint) -> np.ndarray:
    return np.frombuffer(point.pixels, dtype=np.uint8).reshape(28, 28)


@st.cache_resource(show_spinner=False)
def training_index() -> LatentIndex:
    from app.common.cache import get_dataset

    mu, _ = lmc.encodings(MODEL, DATA)
    return LatentIndex(mu, get_dataset(DATA).y)


def knn_guess(point: ClassPoint) -> tuple[int, float]:
    """The class most of the point's N_NEIGHBOURS nearest training codes have, and their share of the votes."""
    found = training_index().query(np.array([point.x, point.y]), N_NEIGHBOURS)[0]
    return found.guess, found.share


def log_ratios(points) -> np.ndarray:
    """log q(z) - log p(z) at each point, in MODEL's (full, 2-D) latent space: below -τ is a gap."""
    if not points:
        return np.zeros(0)
    mu, logvar = lmc.encodings(MODEL, DATA)
    z = np.array([[p.x, p.y] for p in points], dtype=np.float64)
    return log_aggregate_density(z, mu, logvar) - log_prior(z)
