"""An MLP VAE: Gaussian encoder q(z|x), prior N(0, I), Bernoulli or Gaussian decoder.

One class covers the conditional VAE too: when ``config.conditional`` is set,
a one-hot label is concatenated to the encoder's input and to z before
decoding, so later pages need no second code path.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError
from .config import VAEConfig

LOG_2PI = math.log(2 * math.pi)


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VAE(nn.Module):
    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        self.name: str | None = None  # set by load_model
        self.card: dict = {}  # the checkpoint sidecar, set by load_model
        c = config
        self.encoder = _mlp([c.input_dim + c.num_classes, *c.hidden, 2 * c.latent_dim])
        self.decoder = _mlp([c.latent_dim + c.num_classes, *reversed(c.hidden), c.input_dim])

    # -- input handling -------------------------------------------------
    def flatten(self, x: torch.Tensor) -> torch.Tensor:
        """Accept (N, pixels), (N, H, W) or (N, 1, H, W) images in [0, 1]."""
        if not torch.is_tensor(x):
            x = torch.as_tensor(x)
        x = x.to(torch.float32)
        x = x.reshape(x.shape[0], -1) if x.dim() > 1 else x.reshape(1, -1)
        if x.shape[1] != self.config.input_dim:
            h, w = self.config.image_shape
            raise ConfigError(f"this model takes {h}x{w} images ({h * w} pixels), got {x.shape[1]} pixels")
        return x

    def one_hot(self, y, n: int) -> torch.Tensor | None:
        if not self.config.conditional:
            return None
        if y is None:
            raise ConfigError("this is a conditional model: pass a class label y")
        top = self.config.num_classes - 1
        wanted = "labels must be integers" + ("" if n == 1 else f", one for each of the {n} images,")
        try:
            y = torch.as_tensor(y, dtype=torch.long).reshape(-1)
        except (TypeError, ValueError, RuntimeError, OverflowError):  # 10**20 overflows int64: not a traceback
            raise ConfigError(f"{wanted} from 0 to {top}") from None
        if y.numel() == 1 and n > 1:
            y = y.expand(n)
        if y.numel() != n or y.min() < 0 or y.max() > top:
            raise ConfigError(f"{wanted} from 0 to {top}")
        return F.one_hot(y, self.config.num_classes).to(torch.float32)

    # -- the two networks ----------------------------------------------
    def encode(self, x: torch.Tensor, y=None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (mu, logvar) of q(z|x), each (N, latent_dim)."""
        x = self.flatten(x)
        h = x if (c := self.one_hot(y, x.shape[0])) is None else torch.cat([x, c], dim=1)
        mu, logvar = self.encoder(h).chunk(2, dim=1)
        return mu, logvar

    def decoder_output(self, z: torch.Tensor, y=None) -> torch.Tensor:
        """Raw decoder output: logits (Bernoulli) or pre-sigmoid mean (Gaussian).

        z may carry leading sample dimensions (..., N, latent_dim).
        """
        z = torch.as_tensor(z, dtype=torch.float32)
        if z.shape[-1] != self.config.latent_dim:
            raise ConfigError(f"this model has a {self.config.latent_dim}-D latent, got z of size {z.shape[-1]}")
        n = z.shape[-2] if z.dim() > 1 else 1
        c = self.one_hot(y, n)
        if c is not None:
            z = torch.cat([z, c.expand(*z.shape[:-1], c.shape[-1])], dim=-1)
        return self.decoder(z)

    def decode(self, z: torch.Tensor, y=None) -> torch.Tensor:
        """Return the decoder mean, (N, pixels) in [0, 1]."""
        return torch.sigmoid(self.decoder_output(z, y))

    # -- densities -------------------------------------------------------
    def log_px_given_z(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """log p(x|z) summed over pixels; ``out`` is decoder_output, x broadcasts against it."""
        if self.config.likelihood == "bernoulli":
            x = x.expand_as(out)
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(-1)
        beta2 = self.config.beta2
        sq = (x - torch.sigmoid(out)).pow(2).sum(-1)
        return -0.5 * sq / beta2 - 0.5 * self.config.input_dim * (LOG_2PI + math.log(beta2))

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor, samples: int = 1,
                       generator: torch.Generator | None = None) -> torch.Tensor:
        """z = mu + sigma * eps with eps ~ N(0, I); shape (samples, N, d). A generator of its own keeps a
        computation's draws apart from other threads' use of torch's global generator."""
        eps = torch.randn(samples, *mu.shape, dtype=mu.dtype, device=mu.device, generator=generator)
        return mu + torch.exp(0.5 * logvar) * eps

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag exp(logvar)) summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(-1)


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """log N(z; 0, I) summed over the last dimension."""
    return -0.5 * (LOG_2PI + z.pow(2)).sum(-1)
