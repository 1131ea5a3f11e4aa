"""One image through the VAE, node by node, with the library's own functions.

The "Inside a VAE" page draws the computation graph of the ELBO for one image:
x -> encoder -> (mu, log sigma^2) -> sigma -> z = mu + sigma * eps -> mu_D(z)
-> log p(x|z) and KL -> ELBO. Every node's value here is what the library
computes (VAE.encode, VAE.decoder_output, VAE.log_px_given_z, kl_per_dim), and
`source_lines` reads the lines that compute each node from the source at run
time, so the code shown beside a node cannot drift from the code that ran.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from ..errors import ConfigError
from .model import LOG_2PI, VAE
from .objectives import ELBOTerms, kl_per_dim


def draw_epsilon(latent_dim: int, seed: int) -> np.ndarray:
    """eps ~ N(0, I), reproducible from its seed (the page's "resample epsilon" draws a new seed)."""
    gen = torch.Generator().manual_seed(int(seed))
    return torch.randn(latent_dim, generator=gen).numpy()


def sigma_from_logvar(logvar: torch.Tensor) -> torch.Tensor:
    """sigma = exp(log sigma^2 / 2), as VAE.reparameterize computes it."""
    return torch.exp(0.5 * logvar)


def reparameterize_with(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps for a given eps: VAE.reparameterize with its noise passed in."""
    return mu + sigma_from_logvar(logvar) * eps


def log_px_given_z_per_pixel(model: VAE, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """The terms of log p(x|z) one pixel at a time; they sum to VAE.log_px_given_z."""
    if model.config.likelihood == "bernoulli":
        return -F.binary_cross_entropy_with_logits(out, x.expand_as(out), reduction="none")
    beta2 = model.config.beta2
    return -0.5 * (x - torch.sigmoid(out)).pow(2) / beta2 - 0.5 * (LOG_2PI + math.log(beta2))


def layer_sizes(net: torch.nn.Sequential) -> list[int]:
    """Widths of an MLP's layers, input first: [784, 512, 256, 4] for an encoder."""
    linear = [m for m in net if isinstance(m, torch.nn.Linear)]
    return [linear[0].in_features, *(m.out_features for m in linear)]


@dataclass
class ForwardTrace:
    """Every node's value for one image and one draw of eps; arrays are float64 numpy, 1-D."""

    x: np.ndarray  # (pixels,) the input in [0, 1]
    image_shape: tuple
    likelihood: str
    encoder_sizes: list[int]
    decoder_sizes: list[int]
    mu: np.ndarray  # (d,)
    logvar: np.ndarray
    sigma: np.ndarray
    eps: np.ndarray
    z: np.ndarray
    x_mean: np.ndarray  # mu_D(z), (pixels,)
    log_px_z: float  # log p(x|z) for this z
    log_px_z_per_pixel: np.ndarray  # (pixels,), sums to log_px_z
    kl_per_dim: np.ndarray  # (d,)
    kl: float

    @property
    def elbo(self) -> float:
        """The one-sample ELBO estimate log p(x|z) - KL, as ELBOTerms.elbo computes it with M = 1."""
        return float(ELBOTerms(torch.tensor([self.log_px_z]), torch.tensor([self.kl]), torch.zeros(1)).elbo)


@torch.no_grad()
def forward_trace(model: VAE, x, eps=None, seed: int = 0) -> ForwardTrace:
    """Trace one image through the model. eps defaults to draw_epsilon(d, seed)."""
    if model.config.conditional:
        raise ConfigError("the forward trace shows unconditional models; pick one without class labels")
    x = model.flatten(torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(1, -1))
    d = model.config.latent_dim
    eps = draw_epsilon(d, seed) if eps is None else np.asarray(eps, dtype=np.float32).reshape(-1)
    if eps.shape != (d,):
        raise ConfigError(f"eps must have {d} entries, one per latent dimension")
    mu, logvar = model.encode(x)
    sigma = sigma_from_logvar(logvar)
    z = reparameterize_with(mu, logvar, torch.as_tensor(eps, dtype=torch.float32)[None])
    out = model.decoder_output(z)
    x_mean = torch.sigmoid(out)
    log_px_z = model.log_px_given_z(x, out)
    per_pixel = log_px_given_z_per_pixel(model, x, out)
    kld = kl_per_dim(mu, logvar)

    def arr(t):
        return t[0].double().numpy()

    return ForwardTrace(
        x=arr(x), image_shape=tuple(model.config.image_shape), likelihood=model.config.likelihood,
        encoder_sizes=layer_sizes(model.encoder), decoder_sizes=layer_sizes(model.decoder), mu=arr(mu),
        logvar=arr(logvar), sigma=arr(sigma), eps=np.asarray(eps, dtype=np.float64), z=arr(z), x_mean=arr(x_mean),
        log_px_z=float(log_px_z[0]), log_px_z_per_pixel=arr(per_pixel), kl_per_dim=arr(kld), kl=float(kld.sum()))


# node -> (function, the substrings that pick its lines; None keeps the whole function)
_SOURCES = {
    "encoder": [(VAE.encode, None)],
    "mu_logvar": [(VAE.encode, ("chunk(2",))],
    "sigma": [(sigma_from_logvar, ("return",))],
    "eps": [(draw_epsilon, ("Generator", "randn"))],
    "z": [(reparameterize_with, ("return",)), (VAE.reparameterize, ("randn", "return"))],
    "decoder": [(VAE.decoder_output, ("self.decoder(",)), (VAE.decode, ("sigmoid",))],
    "log_px_z": [(VAE.log_px_given_z, None)],
    "kl": [(kl_per_dim, ("return",))],
    "elbo": [(ELBOTerms.elbo.fget, ("return",))],
}
NODES = tuple(_SOURCES)


def source_lines(node: str) -> str:
    """The lines of vae_core that compute `node`, read from the source now, each part headed
    by its function's qualified name and line number."""
    if node not in _SOURCES:
        raise ConfigError(f"unknown node '{node}'; choose one of {', '.join(NODES)}")
    parts = []
    for func, needles in _SOURCES[node]:
        lines, start = inspect.getsourcelines(func)
        body = [(start + i, line.rstrip()) for i, line in enumerate(lines)]
        if needles is not None:
            body = [(n, line) for n, line in body if any(s in line for s in needles)]
            if not body:
                raise RuntimeError(f"{func.__qualname__} no longer contains {needles}")  # a refactor moved it
        module = func.__module__.replace(".", "/") + ".py"
        width = min(len(line) - len(line.lstrip()) for _, line in body if line.strip())
        header = f"# {module}:{body[0][0]}  {func.__qualname__}"
        parts.append("\n".join([header, *(line[width:] for _, line in body)]))
    return "\n".join(parts)
