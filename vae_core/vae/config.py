"""The configuration that fully determines a VAE's architecture.

It is stored verbatim in every checkpoint's JSON sidecar, so a checkpoint can
be rebuilt without guessing and checked against its weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from ..errors import ConfigError

LIKELIHOODS = ("bernoulli", "gaussian")
MAX_LATENT_DIM = 64


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
    """

    image_shape: tuple[int, int] = (28, 28)
    latent_dim: int = 2
    hidden: tuple[int, ...] = (512, 256)
    likelihood: str = "bernoulli"
    beta: float | None = None
    labels: tuple[str, ...] = field(default_factory=lambda: tuple(str(d) for d in range(10)))
    conditional: bool = False

    def __post_init__(self) -> None:
        # Normalise sequences from JSON (lists) so equality and hashing work.
        object.__setattr__(self, "image_shape", tuple(int(v) for v in self.image_shape))
        object.__setattr__(self, "hidden", tuple(int(v) for v in self.hidden))
        object.__setattr__(self, "labels", tuple(str(v) for v in self.labels))
        self._validate()

    def _validate(self) -> None:
        if len(self.image_shape) != 2 or min(self.image_shape) < 1:
            raise ConfigError(f"image_shape must be (height, width) of positive ints, got {self.image_shape}")
        if not isinstance(self.latent_dim, int) or not 1 <= self.latent_dim <= MAX_LATENT_DIM:
            raise ConfigError(f"latent_dim must be an integer from 1 to {MAX_LATENT_DIM}, got {self.latent_dim!r}")
        if not self.hidden or min(self.hidden) < 1:
            raise ConfigError(f"hidden must list at least one positive layer width, got {self.hidden}")
        if self.likelihood not in LIKELIHOODS:
            raise ConfigError(f"likelihood must be one of {', '.join(LIKELIHOODS)}, got {self.likelihood!r}")
        if self.likelihood == "gaussian":
            if self.beta is None or not math.isfinite(self.beta) or self.beta <= 0:
                raise ConfigError(f"a gaussian decoder needs beta > 0 (its standard deviation), got {self.beta!r}")
        elif self.beta is not None:
            raise ConfigError("beta is the gaussian decoder's standard deviation; leave it unset for bernoulli")
        if self.conditional and len(self.labels) < 2:
            raise ConfigError("a conditional model needs at least two labels")

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
    def from_dict(cls, d: dict) -> "VAEConfig":
        if not isinstance(d, dict):
            raise ConfigError(f"a model config must be a JSON object, got {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown model config keys: {', '.join(unknown)}")
        try:
            return cls(**d)
        except TypeError as exc:
            raise ConfigError(f"invalid model config: {exc}") from None
