"""The training settings, validated at the boundary with the field named.

Every field is checked for its type and its range when a TrainConfig is built,
so a bad --config JSON, CLI flag or web form is refused before any data is
loaded or any file is written. Checks that need the data set (batch size,
validation split, labels) live in `check_against_data`.

Documented bounds:
    latent_dim          1 .. 64
    hidden              1 .. 8 layers, each 1 .. 4096 units
    beta                the Gaussian decoder's standard deviation, 0.001 .. 10
                        (beta^2 is the decoder variance); unset for Bernoulli
    kl_weight           the beta-VAE weight on the KL term, 0 .. 100
    binarize            "none" (grey values) or "dynamic" (a fresh x_b ~ Bernoulli(x) of every training image
                        every epoch, validation on one seeded binarisation); "dynamic" needs bernoulli
    samples (M)         1 .. 1000
    epochs              1 .. 10,000 (MAX_EPOCHS); patience and kl_warmup_epochs at most that too
    lr                  > 0 and <= 10, finite
    seed                0 .. 2**32 - 1
    threads             1 .. 1024, or unset for torch's default
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..data.binarize import BINARIZE_MODES
from ..errors import ConfigError
from ..fileio import parse_json, read_regular_file
from .config import LIKELIHOODS, MAX_LATENT_DIM

BETA_RANGE = (1e-3, 10.0)
KL_WEIGHT_RANGE = (0.0, 100.0)
MAX_HIDDEN_LAYERS, MAX_HIDDEN_WIDTH = 8, 4096
SEED_LIMIT = 2**32
MAX_EPOCHS = 10_000  # 8 h of digits, days of MNIST: more is a typo, not a plan
MAX_CONFIG_BYTES = 1_000_000  # a --config file: a few hundred bytes in practice


@dataclass(frozen=True)
class TrainConfig:
    data: str = "mnist-5k"
    latent_dim: int = 2
    hidden: tuple[int, ...] = (512, 256)
    likelihood: str = "bernoulli"
    beta: float | None = None
    conditional: bool = False
    kl_weight: float = 1.0
    epochs: int = 300
    patience: int = 20
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    samples: int = 1
    kl_warmup_epochs: int = 0
    augment_shift: int = 0
    binarize: str = "none"
    val_fraction: float = 0.1
    seed: int = 0
    threads: int | None = None

    def __post_init__(self) -> None:
        _check_types(self)
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        for field_name in ("lr", "weight_decay", "val_fraction", "kl_weight"):
            object.__setattr__(self, field_name, float(getattr(self, field_name)))
        if self.beta is not None:
            object.__setattr__(self, "beta", float(self.beta))
        _check_ranges(self)

    @classmethod
    def from_json(cls, path: str | Path, **overrides) -> TrainConfig:
        if not Path(path).exists():
            raise ConfigError(f"config file not found: {path}")
        # bounded and strict, as the CLI reads it: no /dev/zero read for ever, no RecursionError
        raw = parse_json(read_regular_file(path, MAX_CONFIG_BYTES, ConfigError, f"config file {path}"),
                         ConfigError, str(path))
        return cls.from_dict(raw, source=str(path), **overrides)

    @classmethod
    def from_dict(cls, raw, source: str = "config", **overrides) -> TrainConfig:
        if not isinstance(raw, dict):
            raise ConfigError(f"{source} must be a JSON object of training options, got {_json_type(raw)}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown training options: {', '.join(unknown)}")
        return cls(**{**raw, **overrides})

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    def check_against_data(self, n: int, class_names) -> None:
        """Refuse settings the data set cannot support, before training starts."""
        n_val = max(1, int(round(n * self.val_fraction)))
        if n - n_val < 1:
            raise ConfigError(f"val_fraction (--val-fraction) {self.val_fraction} leaves no training image "
                              f"out of {n}")
        if n < 2:
            raise ConfigError(f"the data set has {n} image(s): at least 2 are needed (one to train, one to validate)")
        if self.batch_size > n - n_val:
            raise ConfigError(f"batch_size (--batch-size) {self.batch_size} is larger than the "
                              f"{n - n_val} training images of {self.data}")
        if self.conditional and len(set(class_names or ())) < 2:
            raise ConfigError(f"conditional: {self.data} has no labels (at least two classes), "
                              "so a conditional model cannot be trained on it")


_INTS = ("latent_dim", "epochs", "patience", "batch_size", "samples", "kl_warmup_epochs", "augment_shift", "seed")
_FLOATS = ("kl_weight", "lr", "weight_decay", "val_fraction")
_FLAG = {f: "--" + f.replace("_", "-") for f in
         ("latent_dim", "batch_size", "kl_warmup_epochs", "augment_shift", "val_fraction", "weight_decay",
          "kl_weight")}


def _name(field_name: str) -> str:
    flag = _FLAG.get(field_name, "--" + field_name)
    return f"{field_name} ({flag})"


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(value)


def _short_int(v: int) -> str:
    """An integer for a message: a 10,000-digit one is shown by its size, not printed whole."""
    text = str(v) if abs(v) < 10**30 else f"a {len(str(abs(v)))}-digit number"
    return text


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)) or type(v).__name__ in ("float32", "float64")


def _check_types(c: TrainConfig) -> None:
    for f in _INTS:
        if not _is_int(getattr(c, f)):
            raise ConfigError(f"{_name(f)} must be an integer, got {_json_type(getattr(c, f))}")
    for f in _FLOATS:
        if not _is_number(getattr(c, f)):
            raise ConfigError(f"{_name(f)} must be a number, got {_json_type(getattr(c, f))}")
    if c.threads is not None and not _is_int(c.threads):
        raise ConfigError(f"threads (--threads) must be an integer, got {_json_type(c.threads)}")
    if c.beta is not None and not _is_number(c.beta):
        raise ConfigError(f"beta (--beta) must be a number, got {_json_type(c.beta)}")
    if not isinstance(c.data, str) or not c.data:
        raise ConfigError(f"data (--data) must be a data set name, got {_json_type(c.data)}")
    if not isinstance(c.likelihood, str):
        raise ConfigError(f"likelihood (--likelihood) must be a string, got {_json_type(c.likelihood)}")
    if not isinstance(c.binarize, str):
        raise ConfigError(f"binarize (--binarize) must be a string, got {_json_type(c.binarize)}")
    if not isinstance(c.conditional, bool):
        raise ConfigError(f"conditional (--conditional) must be true or false, got {_json_type(c.conditional)}")
    if not isinstance(c.hidden, (list, tuple)) or not all(_is_int(h) for h in c.hidden):
        raise ConfigError(f"hidden (--hidden) must be a list of integer layer widths, got {_json_type(c.hidden)}")


def _check_ranges(c: TrainConfig) -> None:
    lo_b, hi_b = BETA_RANGE
    checks = [
        (1 <= c.latent_dim <= MAX_LATENT_DIM, "latent_dim", f"must be from 1 to {MAX_LATENT_DIM}, got {c.latent_dim}"),
        (1 <= len(c.hidden) <= MAX_HIDDEN_LAYERS and all(1 <= h <= MAX_HIDDEN_WIDTH for h in c.hidden), "hidden",
         f"must list 1 to {MAX_HIDDEN_LAYERS} layer widths from 1 to {MAX_HIDDEN_WIDTH}, got {list(c.hidden)}"),
        (c.likelihood in LIKELIHOODS, "likelihood", f"must be one of {', '.join(LIKELIHOODS)}, got {c.likelihood!r}"),
        (1 <= c.epochs <= MAX_EPOCHS, "epochs", f"must be from 1 to {MAX_EPOCHS:,}, got {_short_int(c.epochs)}"),
        (1 <= c.patience <= MAX_EPOCHS, "patience", f"must be from 1 to {MAX_EPOCHS:,}, got {_short_int(c.patience)}"),
        (c.batch_size >= 1, "batch_size", f"must be at least 1, got {c.batch_size}"),
        (math.isfinite(c.lr) and 0 < c.lr <= 10, "lr", f"must be a finite number > 0 (at most 10), got {c.lr}"),
        (math.isfinite(c.weight_decay) and c.weight_decay >= 0, "weight_decay", f"must be >= 0, got {c.weight_decay}"),
        (1 <= c.samples <= 1000, "samples", f"(M) must be from 1 to 1000, got {c.samples}"),
        (0 <= c.kl_warmup_epochs <= MAX_EPOCHS, "kl_warmup_epochs",
         f"must be from 0 to {MAX_EPOCHS:,}, got {_short_int(c.kl_warmup_epochs)}"),
        (0 <= c.augment_shift <= 4, "augment_shift", f"must be from 0 to 4 pixels, got {c.augment_shift}"),
        (math.isfinite(c.val_fraction) and 0 < c.val_fraction < 1, "val_fraction",
         f"must be between 0 and 1 (exclusive), got {c.val_fraction}"),
        (0 <= c.seed < SEED_LIMIT, "seed", f"must be from 0 to 2**32 - 1, got {c.seed}"),
        (c.threads is None or 1 <= c.threads <= 1024, "threads", f"must be from 1 to 1024, got {c.threads}"),
        (math.isfinite(c.kl_weight) and KL_WEIGHT_RANGE[0] <= c.kl_weight <= KL_WEIGHT_RANGE[1], "kl_weight",
         f"(the beta-VAE weight on KL) must be from {KL_WEIGHT_RANGE[0]:g} to {KL_WEIGHT_RANGE[1]:g}, "
         f"got {c.kl_weight}"),
    ]
    checks.append((c.binarize in BINARIZE_MODES, "binarize",
                   f"must be one of {', '.join(BINARIZE_MODES)}, got {c.binarize!r}"))
    checks.append((c.binarize == "none" or c.likelihood == "bernoulli", "binarize",
                   f"{c.binarize!r} binarises pixels for the bernoulli decoder; the gaussian one models grey values"))
    for ok, field_name, message in checks:
        if not ok:
            raise ConfigError(f"{_name(field_name)} {message}")
    if c.likelihood == "gaussian":
        if c.beta is None or not (math.isfinite(c.beta) and lo_b <= c.beta <= hi_b):
            raise ConfigError(f"beta (--beta), the gaussian decoder's standard deviation (variance beta^2), "
                              f"must be from {lo_b:g} to {hi_b:g}, got {c.beta}")
    elif c.beta is not None:
        raise ConfigError("beta (--beta) is the gaussian decoder's standard deviation; leave it unset for bernoulli")
