"""A VAE for 1-D data: an "infinite mixture of Gaussians"

    p(x) = int N(x; f(z), sigma(z)^2) N(z; 0, I) dz,   z in R^1 (or R^2),

fitted by maximising the ELBO with a Gaussian encoder q(z|x), then evaluated
by quadrature over a fine z grid, so densities carry no Monte Carlo noise.

On the grid the prior becomes weights pi_j proportional to N(z_j; 0, I) and
q(z|x) becomes weights q_j proportional to q(z_j|x); with both normalised,

    log p(x) = logsumexp_j [log pi_j + log p(x|z_j)]
    ELBO(x)  = sum_j q_j [log p(x|z_j) + log pi_j - log q_j]
    log p(x) - ELBO(x) = KL(q || p(z|x))  >= 0

hold exactly on the grid, so the gap shown is a true KL divergence.

The network sees standardised data u = (x - m) / s; densities are mapped back
with the Jacobian, log p(x) = log p(u) - log s.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError
from . import gmm1d

SIGMA_MODES = ("constant", "function")
LOG_2PI = math.log(2.0 * math.pi)
# A floor on the decoder's standard deviation (standardised units): without
# it the ELBO is unbounded on data with repeated values.
MIN_SIGMA = 1e-3
_CHUNK_ENTRIES = 2_000_000
# Scores of large data sets: interpolate above this many points (see VAE1D.interpolated).
INTERP_ABOVE = 20_000
INTERP_GRID = 4001
INTERP_CHECK = 1000
INTERP_TOL = 1e-4

ProgressCallback = Callable[[int, int, float], "bool | None"]


@dataclass(frozen=True)
class VAE1DConfig:
    """latent_dim: 1 or 2. sigma_mode: "constant" learns one decoder sigma,
    "function" learns sigma(z). z_grid_size: quadrature points per latent axis."""

    latent_dim: int = 1
    sigma_mode: str = "function"
    hidden: int = 64
    steps: int = 3000
    batch_size: int = 256
    learning_rate: float = 3e-3
    seed: int = 0
    z_grid_size: int | None = None
    z_limit: float = 6.0

    def __post_init__(self) -> None:
        if self.latent_dim not in (1, 2):
            raise ConfigError(f"latent dimension must be 1 or 2, got {self.latent_dim}")
        if self.sigma_mode not in SIGMA_MODES:
            raise ConfigError(f"sigma mode must be one of {', '.join(SIGMA_MODES)}, got '{self.sigma_mode}'")
        if not 2 <= self.hidden <= 1024:
            raise ConfigError(f"hidden width must be from 2 to 1024, got {self.hidden}")
        if not 1 <= self.steps <= 1_000_000:
            raise ConfigError(f"training steps must be from 1 to 1,000,000, got {self.steps}")
        if not 1 <= self.batch_size <= 100_000:
            raise ConfigError(f"batch size must be from 1 to 100,000, got {self.batch_size}")
        if not (math.isfinite(self.learning_rate) and 0 < self.learning_rate < 1):
            raise ConfigError(f"learning rate must be in (0, 1), got {self.learning_rate}")
        if self.z_grid_size is not None and not 11 <= self.z_grid_size <= 10_001:
            raise ConfigError(f"z grid size must be from 11 to 10,001, got {self.z_grid_size}")
        if not 3 <= self.z_limit <= 12:
            raise ConfigError(f"z grid limit must be from 3 to 12, got {self.z_limit}")

    @property
    def grid_points_per_axis(self) -> int:
        # A 2-D grid costs the square; 201^2 keeps a 5,000-point evaluation in seconds.
        return self.z_grid_size or (2001 if self.latent_dim == 1 else 201)


def _mlp(n_in: int, hidden: int, n_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                         nn.Linear(hidden, n_out))


class _Net(nn.Module):
    def __init__(self, config: VAE1DConfig):
        super().__init__()
        d = config.latent_dim
        self.encoder = _mlp(1, config.hidden, 2 * d)
        self.decoder = _mlp(d, config.hidden, 2 if config.sigma_mode == "function" else 1)
        self.constant_sigma_raw = nn.Parameter(torch.zeros(())) if config.sigma_mode == "constant" else None

    def encode(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, log_var = self.encoder(u[:, None]).chunk(2, dim=-1)
        return mu, log_var

    def decode(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean f(z) and standard deviation sigma(z) of p(u|z), both shape (n,)."""
        out = self.decoder(z)
        raw = out[:, 1] if self.constant_sigma_raw is None else self.constant_sigma_raw.expand(out.shape[0])
        return out[:, 0], MIN_SIGMA + nn.functional.softplus(raw)

    def elbo(self, u: torch.Tensor) -> torch.Tensor:
        """One-sample reparameterised ELBO per point, with the Gaussian KL in closed form."""
        mu, log_var = self.encode(u)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        mean, sigma = self.decode(z)
        log_lik = -0.5 * (LOG_2PI + 2 * torch.log(sigma) + ((u - mean) / sigma) ** 2)
        kl = 0.5 * (mu ** 2 + log_var.exp() - 1 - log_var).sum(dim=-1)
        return log_lik - kl


def _latent_grid(config: VAE1DConfig) -> tuple[np.ndarray, np.ndarray, float]:
    """Grid points z_j (J, d), normalised log prior weights log pi_j, and the cell volume."""
    axis = np.linspace(-config.z_limit, config.z_limit, config.grid_points_per_axis)
    if config.latent_dim == 1:
        z = axis[:, None]
    else:
        za, zb = np.meshgrid(axis, axis, indexing="ij")
        z = np.stack([za.ravel(), zb.ravel()], axis=1)
    log_prior = -0.5 * np.sum(z ** 2, axis=1)
    log_prior -= np.logaddexp.reduce(log_prior)
    return z, log_prior, float((axis[1] - axis[0]) ** config.latent_dim)


@dataclass
class VAE1D:
    """A trained 1-D VAE and everything the page and CLI read from it."""

    config: VAE1DConfig
    net: _Net
    shift: float
    scale: float
    fit_seconds: float
    steps_done: int
    elbo_history: list[tuple[int, float]]
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.z_grid_, self.log_prior_, self.z_cell_ = _latent_grid(self.config)
        with torch.no_grad():
            mean, sigma = self.net.decode(torch.as_tensor(self.z_grid_, dtype=torch.float32))
        self._grid_mean = mean.double().numpy()
        self._grid_log_sigma = np.log(sigma.double().numpy())

    # -- quadrature -----------------------------------------------------------
    def _standardise(self, x) -> np.ndarray:
        return (np.asarray(x, dtype=float).ravel() - self.shift) / self.scale

    def _log_lik(self, u: np.ndarray) -> np.ndarray:
        """log p(u_i | z_j), shape (n, J)."""
        resid = (u[:, None] - self._grid_mean) * np.exp(-self._grid_log_sigma)
        return -0.5 * (LOG_2PI + resid ** 2) - self._grid_log_sigma

    def _chunks(self, n: int):
        size = max(1, _CHUNK_ENTRIES // self.z_grid_.shape[0])
        return (slice(i, min(i + size, n)) for i in range(0, n, size))

    def _log_q(self, u: np.ndarray) -> np.ndarray:
        """Encoder weights on the grid, normalised over j: log q_j(u_i), shape (n, J)."""
        with torch.no_grad():
            mu, log_var = self.net.encode(torch.as_tensor(u, dtype=torch.float32))
        mu, log_var = mu.double().numpy(), log_var.double().numpy()
        log_q = np.zeros((u.size, self.z_grid_.shape[0]))
        for d in range(self.config.latent_dim):
            log_q -= 0.5 * (self.z_grid_[:, d] - mu[:, d:d + 1]) ** 2 * np.exp(-log_var[:, d:d + 1])
        return log_q - np.logaddexp.reduce(log_q, axis=1, keepdims=True)

    def log_density(self, x) -> np.ndarray:
        """log p(x) by quadrature over the z grid."""
        u = self._standardise(x)
        out = np.empty(u.size)
        for part in self._chunks(u.size):
            out[part] = np.logaddexp.reduce(self._log_lik(u[part]) + self.log_prior_, axis=1)
        return out - math.log(self.scale)

    def elbo(self, x) -> np.ndarray:
        """ELBO(x) with the expectation over q(z|x) taken on the same grid."""
        u = self._standardise(x)
        out = np.empty(u.size)
        for part in self._chunks(u.size):
            log_q = self._log_q(u[part])
            integrand = self._log_lik(u[part]) + self.log_prior_ - log_q
            out[part] = np.sum(np.exp(log_q) * integrand, axis=1)
        return out - math.log(self.scale)

    def posterior_kl(self, x) -> np.ndarray:
        """KL(q(z|x) || p(z|x)) computed directly from the two grid posteriors."""
        u = self._standardise(x)
        out = np.empty(u.size)
        for part in self._chunks(u.size):
            log_q = self._log_q(u[part])
            log_joint = self._log_lik(u[part]) + self.log_prior_
            log_post = log_joint - np.logaddexp.reduce(log_joint, axis=1, keepdims=True)
            out[part] = np.sum(np.exp(log_q) * (log_q - log_post), axis=1)
        return out

    def posteriors(self, x0: float) -> dict:
        """True posterior p(z|x0) and encoder q(z|x0) as densities on the grid
        (1-D: arrays of length J; 2-D: (G, G) arrays indexed [z1, z2])."""
        u = self._standardise([x0])
        log_q = self._log_q(u)[0]
        log_joint = self._log_lik(u)[0] + self.log_prior_
        log_post = log_joint - np.logaddexp.reduce(log_joint)
        g = self.config.grid_points_per_axis
        shape = (g,) if self.config.latent_dim == 1 else (g, g)
        axis = self.z_grid_[:g, 0] if self.config.latent_dim == 1 else self.z_grid_[::g, 0]
        return {"z_axis": axis, "true": (np.exp(log_post) / self.z_cell_).reshape(shape),
                "encoder": (np.exp(log_q) / self.z_cell_).reshape(shape)}

    def decoder_curve(self, z) -> tuple[np.ndarray, np.ndarray]:
        """f(z) and sigma(z) in the data's units, for z of shape (n, d) or (n,)."""
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.config.latent_dim)
        with torch.no_grad():
            mean, sigma = self.net.decode(torch.as_tensor(z))
        return self.shift + self.scale * mean.double().numpy(), self.scale * sigma.double().numpy()

    def components(self, per_axis: int = 9, limit: float = 2.5) -> dict:
        """A few decoded components N(f(z_j), sigma(z_j)^2) weighted by p(z_j):
        a coarse version of the infinite mixture."""
        axis = np.linspace(-limit, limit, per_axis)
        z = axis[:, None] if self.config.latent_dim == 1 else np.stack(
            [a.ravel() for a in np.meshgrid(axis, axis, indexing="ij")], axis=1)
        weights = np.exp(-0.5 * np.sum(z ** 2, axis=1))
        means, sigmas = self.decoder_curve(z)
        return {"z": z, "weights": weights / weights.sum(), "means": means, "variances": sigmas ** 2}

    def component_densities(self, x, per_axis: int = 9, limit: float = 2.5) -> np.ndarray:
        """p(z_j) N(x; f(z_j), sigma(z_j)^2) for the components above, shape (J, n):
        the same weighted Gaussians as a GMM's, so the GMM's evaluation is reused."""
        comps = self.components(per_axis, limit)
        return gmm1d.weighted_component_densities(
            x, gmm1d.GMMParams(comps["weights"], comps["means"], comps["variances"]))

    def density_curves(self, x) -> dict:
        """log p(x), p(x), ELBO(x) and the gap KL(q(z|x) || p(z|x)) at each x. The
        gap comes from the two grid posteriors, not from log p - ELBO, so the
        plot shows the KL itself; the two agree to rounding (tested)."""
        # One pass over the grid instead of three: the encoder and the likelihood table are the costly parts.
        u = self._standardise(x)
        log_p, elbo, gap = np.empty(u.size), np.empty(u.size), np.empty(u.size)
        for part in self._chunks(u.size):
            log_q = self._log_q(u[part])
            log_joint = self._log_lik(u[part]) + self.log_prior_
            log_evidence = np.logaddexp.reduce(log_joint, axis=1)
            log_p[part] = log_evidence
            elbo[part] = np.sum(np.exp(log_q) * (log_joint - log_q), axis=1)
            gap[part] = np.sum(np.exp(log_q) * (log_q - (log_joint - log_evidence[:, None])), axis=1)
        log_p -= math.log(self.scale)
        elbo -= math.log(self.scale)
        return {"log_density": log_p, "density": np.exp(log_p), "elbo": elbo, "gap": gap}

    def score(self, x) -> float:
        return float(np.mean(self.interpolated(self.log_density, x)))

    def mean_elbo(self, x) -> float:
        return float(np.mean(self.interpolated(self.elbo, x)))

    @staticmethod
    def interpolated(fn, x) -> np.ndarray:
        """fn(x) for a smooth per-point function of x (log p(x), ELBO(x)): exact for up to INTERP_ABOVE
        points; beyond, evaluated on an x grid (uniform plus the data's quantiles, so dense where the
        data are) and linearly interpolated. The interpolation is checked against fn on a random
        subsample and abandoned for the exact values when it is off by more than INTERP_TOL nats."""
        x = np.asarray(x, dtype=float).ravel()
        if x.size <= INTERP_ABOVE:
            return fn(x)
        grid = np.unique(np.concatenate([np.linspace(x.min(), x.max(), INTERP_GRID),
                                         np.quantile(x, np.linspace(0.0, 1.0, INTERP_GRID))]))
        values = np.interp(x, grid, fn(grid))
        check = np.random.default_rng(0).choice(x.size, size=INTERP_CHECK, replace=False)
        if np.max(np.abs(values[check] - fn(x[check]))) > INTERP_TOL:
            return fn(x)
        return values

    def n_parameters(self) -> dict:
        """The generative model is the decoder; the encoder only serves inference."""
        decoder = sum(p.numel() for p in self.net.decoder.parameters())
        if self.net.constant_sigma_raw is not None:
            decoder += 1
        encoder = sum(p.numel() for p in self.net.encoder.parameters())
        return {"decoder": int(decoder), "encoder": int(encoder)}


def train_vae1d(x, config: VAE1DConfig = VAE1DConfig(), progress: ProgressCallback | None = None,
                progress_every: int = 50) -> VAE1D:
    """Maximise the ELBO with Adam and a cosine learning-rate decay.

    progress(step, total, mean_elbo_per_point) is called every progress_every
    steps and at the end; returning False stops training early.
    """
    x = np.asarray(x, dtype=float).ravel()
    if x.size < 2 or not np.all(np.isfinite(x)):
        raise ConfigError("the VAE needs at least 2 finite training points")
    shift, spread = float(x.mean()), float(x.std())
    warnings = []
    if spread == 0:
        warnings.append(f"all training values are identical; the decoder's sigma sits at its floor "
                        f"({MIN_SIGMA:g} in the data's units)")
    scale = spread if spread > 0 else 1.0
    previous_threads = torch.get_num_threads()
    # A net this small only loses time to thread synchronisation.
    torch.set_num_threads(1)
    try:
        torch.manual_seed(config.seed)
        net = _Net(config)
        data = torch.as_tensor((x - shift) / scale, dtype=torch.float32)
        optimiser = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=config.steps,
                                                              eta_min=config.learning_rate / 30)
        generator = torch.Generator().manual_seed(config.seed)
        history: list[tuple[int, float]] = []
        running, start, step = 0.0, time.perf_counter(), 0
        batch = min(config.batch_size, data.numel())
        for step in range(1, config.steps + 1):
            idx = torch.randint(data.numel(), (batch,), generator=generator)
            loss = -net.elbo(data[idx]).mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            running += -loss.item()
            if step % progress_every == 0 or step == config.steps:
                since = step - (history[-1][0] if history else 0)
                mean_elbo = running / since - math.log(scale)
                history.append((step, mean_elbo))
                running = 0.0
                if progress is not None and progress(step, config.steps, mean_elbo) is False:
                    break
        net.eval()
        return VAE1D(config, net, shift, scale, time.perf_counter() - start, step, history, warnings)
    finally:
        torch.set_num_threads(previous_threads)


def config_dict(config: VAE1DConfig) -> dict:
    return asdict(config)
