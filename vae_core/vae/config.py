"""The configuration that fully determines a VAE's architecture.

It is stored verbatim in every checkpoint's JSON sidecar, so a checkpoint can
be rebuilt without guessing and checked against its weights.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from ..errors import ConfigError

LIKELIHOODS = ("bernoulli", "gaussian")
MAX_LATENT_DIM = 64
# Upper limits a config (a user's sidecar or --config file) must respect before any network is built, so
# a checkpoint cannot demand unbounded memory. Documented in the README ("Serving a class").
MAX_IMAGE_SIDE = 256
MAX_HIDDEN_WIDTH = 4096
MAX_LAYERS = 8
MAX_LABELS = 1000
MAX_PARAMETERS = 20_000_000  # 80 MB of float32; the shipped MNIST models have about 1.1 million


def _short(value) -> str:
    """repr of a user's value, cut so an error message stays one short line."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _int_list(field_name: str, values, lo: int, hi: int, max_len: int) -> tuple[int, ...]:
    if not isinstance(values, (list, tuple)):
        raise ConfigError(f"{field_name} must be a list of integers, got {_short(values)}")
    if not 1 <= len(values) <= max_len:
        raise ConfigError(f"{field_name} must list 1 to {max_len} integers, got {len(values)}")
    for v in values:
        # numbers.Integral admits numpy integers (shapes of arrays); floats such as 256.9 are refused
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not lo <= v <= hi:
            raise ConfigError(f"{field_name} entries must be integers from {lo} to {hi}, got {_short(v)}")
    return tuple(int(v) for v in values)


@dataclass(frozen=True)
class VAEConfig(Mapping):
    """Architecture of an MLP VAE, readable as attributes or as a read-only dict.

    image_shape: (H, W) of the grayscale images; inputs are flattened to H*W.
    latent_dim: size of z, from 1 to 64.
    hidden: encoder layer widths; the decoder mirrors them.
    likelihood: "bernoulli" (decoder outputs logits) or "gaussian"
        (decoder outputs a mean in [0, 1] and p(x|z) = N(mu_D(z), beta^2 I)).
    beta: the Gaussian decoder's standard deviation, so beta**2 is the decoder
        variance of the lecture notes. None for the Bernoulli decoder.
    labels: class names of the data set the model was trained on.
    conditional: feed a one-hot label into encoder and decoder (a CVAE).
    binarized: the Bernoulli decoder was trained on binarised pixels x_b ~ Bernoulli(x), so its log p(x)
        is a true log-likelihood of binary images (vae_core.data.binarize); False: trained on grey values,
        where the Bernoulli sum is a cross-entropy score, not a normalised log-likelihood.
    """

    image_shape: tuple[int, int] = (28, 28)
    latent_dim: int = 2
    hidden: tuple[int, ...] = (512, 256)
    likelihood: str = "bernoulli"
    beta: float | None = None
    labels: tuple[str, ...] = field(default_factory=lambda: tuple(str(d) for d in range(10)))
    conditional: bool = False
    binarized: bool = False

    def __post_init__(self) -> None:
        # Normalise sequences from JSON (lists) so equality and hashing work. Types are checked strictly
        # (256.9 is refused, not truncated) and every size is bounded before a network is built.
        shape = _int_list("image_shape", self.image_shape, 1, MAX_IMAGE_SIDE, 2)
        if len(shape) != 2:
            raise ConfigError(f"image_shape must be (height, width), got {_short(self.image_shape)}")
        object.__setattr__(self, "image_shape", shape)
        object.__setattr__(self, "hidden", _int_list("hidden", self.hidden, 1, MAX_HIDDEN_WIDTH, MAX_LAYERS))
        if not isinstance(self.labels, (list, tuple)) or len(self.labels) > MAX_LABELS:
            raise ConfigError(f"labels must be a list of at most {MAX_LABELS} class names")
        if not all(isinstance(v, (str, int)) and not isinstance(v, bool) and len(str(v)) <= 100 for v in self.labels):
            raise ConfigError("labels must be class names (strings of at most 100 characters)")
        object.__setattr__(self, "labels", tuple(str(v) for v in self.labels))
        self._validate()

    def _validate(self) -> None:
        if isinstance(self.latent_dim, bool) or not isinstance(self.latent_dim, int) \
                or not 1 <= self.latent_dim <= MAX_LATENT_DIM:
            raise ConfigError(f"latent_dim must be an integer from 1 to {MAX_LATENT_DIM}, "
                              f"got {_short(self.latent_dim)}")
        if not isinstance(self.likelihood, str) or self.likelihood not in LIKELIHOODS:
            raise ConfigError(f"likelihood must be one of {', '.join(LIKELIHOODS)}, got {_short(self.likelihood)}")
        if not isinstance(self.conditional, bool):
            raise ConfigError(f"conditional must be true or false, got {_short(self.conditional)}")
        if not isinstance(self.binarized, bool):
            raise ConfigError(f"binarized must be true or false, got {_short(self.binarized)}")
        if self.binarized and self.likelihood != "bernoulli":
            raise ConfigError("binarized applies to the bernoulli decoder only")
        if self.likelihood == "gaussian":
            if isinstance(self.beta, bool) or not isinstance(self.beta, (int, float)) \
                    or not math.isfinite(self.beta) or self.beta <= 0:
                raise ConfigError("a gaussian decoder needs beta > 0 (its standard deviation), "
                                  f"got {_short(self.beta)}")
        elif self.beta is not None:
            raise ConfigError("beta is the gaussian decoder's standard deviation; leave it unset for bernoulli")
        if self.conditional and len(self.labels) < 2:
            raise ConfigError("a conditional model needs at least two labels")
        if self.num_parameters > MAX_PARAMETERS:
            raise ConfigError(f"this architecture has {self.num_parameters:,} parameters; "
                              f"the limit is {MAX_PARAMETERS:,}")

    @property
    def num_parameters(self) -> int:
        """Weights and biases of the encoder and decoder MLPs (vae.model._mlp), counted without building them."""
        def mlp(sizes):
            return sum(a * b + b for a, b in itertools.pairwise(sizes))
        return (mlp([self.input_dim + self.num_classes, *self.hidden, 2 * self.latent_dim])
                + mlp([self.latent_dim + self.num_classes, *reversed(self.hidden), self.input_dim]))

    @property
    def input_dim(self) -> int:
        return self.image_shape[0] * self.image_shape[1]

    @property
    def num_classes(self) -> int:
        """Width of the one-hot label input: 0 for an unconditional model."""
        return len(self.labels) if self.conditional else 0

    @property
    def beta2(self) -> float | None:
        """Decoder variance beta^2 of the Gaussian likelihood."""
        return None if self.beta is None else self.beta**2

    # Mapping interface: model.config["latent_dim"] and dict(model.config) work.
    def __getitem__(self, key: str):
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return self.to_dict()[key]

    def __iter__(self):
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["image_shape"] = list(self.image_shape)
        d["hidden"] = list(self.hidden)
        d["labels"] = list(self.labels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> VAEConfig:
        if not isinstance(d, dict):
            raise ConfigError(f"a model config must be a JSON object, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown model config keys: {', '.join(unknown)}")
        try:
            return cls(**d)
        except (TypeError, ValueError, OverflowError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"invalid model config: {str(exc)[:100]}") from None
