"""Caches for the upload page: per-model reference data, and per-file results keyed
by the file's bytes, so a rerun (a widget change, a second upload) redoes nothing."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st

from app.common.cache import get_dataset, get_model
from vae_core.data.binarize import TEST_BINARIZE_SEED
from vae_core.data.imageio import open_image
from vae_core.errors import DataError, ImageError
from vae_core.fileio import array_key, disk_cached_arrays
from vae_core.images.preprocess import WORK_SIZE, Step, preprocess
from vae_core.images.report import IW_SAMPLES, encode_images, ood_threshold, percentile_of, reference_log_px
from vae_core.latent.aggregate import encode_dataset
from vae_core.latent.placement import LatentIndex, Projection

N_NEIGHBOURS = 8
REFERENCE_SIZE = 500  # training images whose log p(x) define the OOD percentile


@dataclass
class Reference:
    data_name: str
    codes: np.ndarray  # (N, D) encoder means of the training set
    labels: np.ndarray
    class_names: tuple
    images: np.ndarray  # (N, H, W)
    index: LatentIndex
    projection: Projection
    points: np.ndarray  # (N, 2) codes on the map
    log_px: np.ndarray  # sorted IW log p(x) of a training subset
    threshold: float  # its 1st percentile


REFERENCE_SPINNER = "Encoding the training set and its log p(x) reference (once per model)…"
_warming: set[str] = set()
_warming_lock = threading.Lock()


def warm_reference(model_name: str) -> None:
    """Start building the model's reference in the background as the page opens.

    It costs seconds (IW log p(x) of REFERENCE_SIZE training images) and does not depend on the
    visitor, so it need not wait for the first upload: by the time a file is chosen it is usually
    cached. reference()'s own lock makes an upload that arrives earlier wait for this computation
    instead of starting a second one. Not a daemon: a process that exits meanwhile waits the few
    seconds for it rather than killing it inside torch (which aborts the interpreter); said
    explicitly, since a thread started from Streamlit's script thread would inherit its daemon flag."""
    with _warming_lock:
        if model_name in _warming:
            return
        _warming.add(model_name)
    threading.Thread(target=_warm, args=(model_name,), name=f"warm-reference-{model_name}",
                     daemon=False).start()


def _warm(model_name: str) -> None:
    try:
        reference(model_name)
    except Exception:  # the upload will raise it again, in the page, with a message
        logging.getLogger(__name__).info("warming the upload reference of %s failed", model_name, exc_info=True)
    finally:
        with _warming_lock:
            _warming.discard(model_name)


# No spinner here: it is also called from the warming thread, which has no page to draw on.
@st.cache_resource(show_spinner=False, max_entries=8)
def reference(model_name: str) -> Reference:
    model = get_model(model_name)
    data_name = model.card.get("data", {}).get("name")
    if not data_name:
        raise DataError(f"{model_name}: its card does not say which data set it was trained on")
    data = get_dataset(data_name)
    codes, _ = encode_dataset(model, data.x)
    projection = Projection.fit(codes)
    log_px = _reference_log_px(model, data.x)
    return Reference(data_name=data_name, codes=codes, labels=np.asarray(data.y), class_names=tuple(data.class_names),
                     images=data.x.reshape(len(data.x), *data.image_shape), index=LatentIndex(codes, data.y),
                     projection=projection, points=projection.points(codes), log_px=log_px,
                     threshold=ood_threshold(log_px))


def _reference_log_px(model, x: np.ndarray) -> np.ndarray:
    """Seconds of IW log p(x), the same for every visitor: kept on disk for the next server process
    too, keyed by the weights and the images, so new weights or other data give a new entry."""
    weights = [t.detach().cpu().numpy() for t in model.state_dict().values()]
    seed = binarize_seed(model)
    key = array_key("reference_log_px-v2", REFERENCE_SIZE, IW_SAMPLES, -1 if seed is None else seed, x, *weights)
    return disk_cached_arrays("upload", key, lambda: {
        "log_px": reference_log_px(model, x, n=REFERENCE_SIZE, binarize_seed=seed)})["log_px"]


def binarize_seed(model) -> int | None:
    """The seed of the binarisation an upload's figures are of: a model trained on binarised pixels is a
    distribution over binary images, so its log p is of x_b ~ Bernoulli(x) (the test set's seed); else None."""
    return TEST_BINARIZE_SEED if model.config.binarized else None


@dataclass
class Result:
    name: str
    steps: list[Step]
    inverted: bool
    pixels: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    reconstruction: np.ndarray
    error: np.ndarray
    rec_term: float
    kl: float
    elbo: float
    iw_log_px: float
    k: int
    ess: float
    binarized: np.ndarray | None  # x_b the figures are of, for a binarised model
    gap: float
    self_consistency: float
    neighbours: np.ndarray
    distances: np.ndarray
    guess: str
    share: float
    percentile: float
    ood: bool


@st.cache_data(max_entries=512, show_spinner=False)
def analyse(model_name: str, data: bytes, name: str, invert: bool | None) -> Result:
    """Raises ImageError with a one-line, file-named message for anything a user can fix."""
    model = get_model(model_name)
    ref = reference(model_name)
    # Orientation is a visible preprocessing step; large pictures are decoded at reduced size (the recipe shrinks
    # them to WORK_SIZE first anyway).
    img = open_image(data, name=name, orient=False, max_side=WORK_SIZE)
    try:
        prep = preprocess(img, model.config.image_shape, invert)
    except ImageError as exc:
        raise ImageError(f"{name}: {exc}") from None
    enc = encode_images(model, prep.pixels[None], binarize_seed=binarize_seed(model))[0]
    nb = ref.index.query(enc.mu, N_NEIGHBOURS)[0]
    return Result(name=name, steps=prep.steps, inverted=prep.inverted, pixels=prep.pixels, mu=enc.mu,
                  sigma=enc.sigma, reconstruction=enc.reconstruction, error=enc.error, rec_term=enc.rec_term,
                  kl=enc.kl, elbo=enc.elbo, iw_log_px=enc.iw_log_px, k=enc.k, ess=enc.ess, binarized=enc.binarized,
                  gap=enc.gap,
                  self_consistency=enc.self_consistency, neighbours=nb.index, distances=nb.distance,
                  guess=ref.class_names[nb.guess], share=nb.share,
                  percentile=percentile_of(enc.iw_log_px, ref.log_px), ood=enc.iw_log_px < ref.threshold)
