"""One-dimensional data for the GMM-versus-VAE page: a known Gaussian mixture
to sample from, or one numeric column read from a CSV file.

Everything a user can get wrong here raises ``DataError`` or ``ConfigError``
with a one-line message; recoverable problems (dropped rows) are returned as
warnings so the caller decides how to show them.
"""

from __future__ import annotations

import csv
import io
import math
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import logsumexp

from ..errors import ConfigError, DataError
from ..fileio import read_regular_file

LOG_2PI = math.log(2.0 * math.pi)
MAX_POINTS = 2_000_000
# Bounds on CSV input (README, "Serving a class"): a million-row CSV is about 20 MB; values beyond 1e12
# make squares and variances overflow or lose all precision in float64 sums.
MAX_CSV_BYTES = 64_000_000
MAX_ABS_VALUE = 1e12


@dataclass(frozen=True)
class MixtureSpec:
    """A 1-D Gaussian mixture sum_k w_k N(mu_k, var_k); the second argument of
    N is a variance, as in the lecture notes. Weights are normalised to sum to 1."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    variances: tuple[float, ...]

    def __post_init__(self) -> None:
        weights = tuple(float(w) for w in self.weights)
        means = tuple(float(m) for m in self.means)
        variances = tuple(float(v) for v in self.variances)
        if not (len(weights) == len(means) == len(variances)) or not weights:
            raise ConfigError("the mixture needs the same, non-zero number of weights, means and variances")
        if not all(math.isfinite(v) for v in weights + means + variances):
            raise ConfigError("mixture weights, means and variances must be finite numbers")
        if min(weights) < 0 or sum(weights) <= 0:
            raise ConfigError("mixture weights must be non-negative and not all zero")
        if min(variances) <= 0:
            raise ConfigError("mixture variances must be positive")
        total = sum(weights)
        object.__setattr__(self, "weights", tuple(w / total for w in weights))
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "variances", variances)

    @property
    def n_components(self) -> int:
        return len(self.weights)

    def n_parameters(self) -> int:
        """K means, K variances and K - 1 free weights: counted as for a fitted
        K-component GMM, so the comparison table lines up."""
        return 3 * self.n_components - 1

    def to_dict(self) -> dict:
        return {"weights": list(self.weights), "means": list(self.means), "variances": list(self.variances)}


# The mixture of the lecture notes: 0.5 N(-2, 0.5) + 0.2 N(1, 2) + 0.3 N(4, 1).
DEFAULT_MIXTURE = MixtureSpec(weights=(0.5, 0.2, 0.3), means=(-2.0, 1.0, 4.0), variances=(0.5, 2.0, 1.0))


def mixture_log_density(x: np.ndarray, weights, means, variances) -> np.ndarray:
    """log sum_k w_k N(x; mu_k, var_k), computed with logsumexp."""
    x = np.asarray(x, dtype=float)[..., None]
    w, mu, var = (np.asarray(a, dtype=float) for a in (weights, means, variances))
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
    log_comp = log_w - 0.5 * (LOG_2PI + np.log(var) + (x - mu) ** 2 / var)
    return logsumexp(log_comp, axis=-1)


def log_density(spec: MixtureSpec, x: np.ndarray) -> np.ndarray:
    return mixture_log_density(x, spec.weights, spec.means, spec.variances)


def density(spec: MixtureSpec, x: np.ndarray) -> np.ndarray:
    return np.exp(log_density(spec, x))


def sample(spec: MixtureSpec, n: int, seed: int) -> np.ndarray:
    """n draws from the mixture, reproducible from the seed."""
    n = int(n)
    if n < 1 or n > MAX_POINTS:
        raise ConfigError(f"sample size must be between 1 and {MAX_POINTS:,}, got {n}")
    rng = np.random.default_rng(seed)
    labels = rng.choice(spec.n_components, size=n, p=np.asarray(spec.weights))
    means = np.asarray(spec.means)[labels]
    stds = np.sqrt(np.asarray(spec.variances))[labels]
    return means + stds * rng.standard_normal(n)


def train_test_split(x: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle, then cut off a test set; both parts keep at least one point."""
    x = np.asarray(x, dtype=float)
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"test fraction must be strictly between 0 and 1, got {test_fraction}")
    if x.size < 2:
        raise DataError(f"need at least 2 points to split into train and test, got {x.size}")
    n_test = min(max(1, round(test_fraction * x.size)), x.size - 1)
    order = np.random.default_rng(seed).permutation(x.size)
    return x[order[n_test:]], x[order[:n_test]]


def density_grid(spec: MixtureSpec | None, data: np.ndarray | None = None, n: int = 4001) -> np.ndarray:
    """An x grid wide enough that the truth (and the data) has no mass outside it."""
    lows, highs = [], []
    if spec is not None:
        stds = np.sqrt(spec.variances)
        lows.append(np.min(np.asarray(spec.means) - 10 * stds))
        highs.append(np.max(np.asarray(spec.means) + 10 * stds))
    if data is not None and np.size(data):
        spread = max(float(np.std(data)), 1e-3)
        lows.append(float(np.min(data)) - 3 * spread)
        highs.append(float(np.max(data)) + 3 * spread)
    if not lows:
        raise ConfigError("a density grid needs a mixture or some data")
    return np.linspace(min(lows), max(highs), n)


def quadrature_grid(spec: MixtureSpec, n: int = 4001, per_component: int = 801) -> np.ndarray:
    """x points for integrals against the truth: a uniform grid over its whole range plus a dense
    grid of per_component points within 10 standard deviations of each component, so a narrow
    peak far from the others (variance 1e-4 at x = 1e4) is resolved rather than stepped over."""
    parts = [density_grid(spec, n=n)]
    for mean, var in zip(spec.means, spec.variances):
        sd = math.sqrt(var)
        parts.append(mean + sd * np.linspace(-10.0, 10.0, per_component))
    return np.unique(np.concatenate(parts))


def entropy(spec: MixtureSpec, n_grid: int = 20001) -> float:
    """Differential entropy -int p log p by quadrature; -entropy is the best
    expected test log-likelihood any model can reach."""
    grid = quadrature_grid(spec, n=n_grid)
    log_p = log_density(spec, grid)
    return float(-np.trapezoid(np.exp(log_p) * log_p, grid))


def kl_from_truth(spec: MixtureSpec, log_q, n_grid: int = 4001) -> float:
    """KL(truth || fit) = int p (log p - log q) dx by quadrature; log_q maps an
    array of x to the fitted model's log-density. The grid is dense around every
    component (quadrature_grid); KL is never negative, so the rounding residue of
    a perfect fit is reported as 0."""
    grid = quadrature_grid(spec, n=n_grid)
    log_p = log_density(spec, grid)
    log_fit = np.asarray(log_q(grid), dtype=float)
    p = np.exp(log_p)
    with np.errstate(invalid="ignore", over="ignore"):
        integrand = np.where(p > 0, p * (log_p - log_fit), 0.0)
    return max(0.0, float(np.trapezoid(integrand, grid)))


@dataclass
class ParsedColumn:
    """Values read from a CSV file, and what the user should be told about it."""

    values: np.ndarray
    name: str | None
    n_dropped: int
    warnings: list[str] = field(default_factory=list)


def _as_number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def parse_csv(content: bytes | str, source: str = "the file") -> ParsedColumn:
    """Read one numeric column, with an optional header row.

    Rows holding NaN, inf or text are dropped and counted; the file is rejected
    when it is empty, has more than one column, or nothing numeric is left.
    The limits (MAX_POINTS values, the csv module's field size, |x| <= MAX_ABS_VALUE) are checked row by
    row while streaming, so an oversized file is refused before it is held as Python objects.
    """
    if len(content) > MAX_CSV_BYTES:
        raise DataError(f"{source} is {len(content):,} bytes; the limit is {MAX_CSV_BYTES:,}")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"{source} is not a UTF-8 text CSV file") from None
    values = array("d")
    name, n_rows, n_text, n_nonfinite = None, 0, 0, 0
    reader = csv.reader(io.StringIO(content))
    try:
        for row in reader:
            cells = [cell.strip() for cell in row if cell.strip()]
            if not cells:
                continue
            if len(cells) > 1:
                raise DataError(f"{source} must have exactly one column, found a row with {len(cells)} columns "
                                f"(line {reader.line_num})")
            n_rows += 1
            number = _as_number(cells[0])
            if number is None:
                if n_rows == 1:
                    name = cells[0][:80]
                else:
                    n_text += 1
            elif not math.isfinite(number):
                n_nonfinite += 1
            elif abs(number) > MAX_ABS_VALUE:
                raise DataError(f"{source} line {reader.line_num}: {number:g} is too large "
                                f"(values must lie within ±{MAX_ABS_VALUE:g})")
            else:
                values.append(number)
                if len(values) > MAX_POINTS:
                    raise DataError(f"{source} has more than {MAX_POINTS:,} values; the limit is {MAX_POINTS:,}")
    except csv.Error as exc:
        raise DataError(f"{source} line {reader.line_num}: not a readable CSV row ({str(exc)[:80]})") from None
    if n_rows == 0:
        raise DataError(f"{source} is empty")
    n_cells = n_rows - (name is not None)
    if n_cells == 0:
        raise DataError(f"{source} has a header '{name}' but no values")
    label = f"column '{name}'" if name else "the column"
    if not values:
        if n_text == n_cells:
            raise DataError(f"{label} in {source} is not numeric")
        raise DataError(f"{source} has no usable numbers: every value is NaN, infinite or text")
    warnings = []
    n_dropped = n_text + n_nonfinite
    if n_dropped:
        parts = [f"{n} {what}" for n, what in ((n_text, "text"), (n_nonfinite, "NaN or infinite")) if n]
        if len(values) < 2:  # say why so few are left, not only "need at least 2 points, got 1"
            raise DataError(f"{source}: a fit needs at least 2 numbers, but only {len(values)} is left after "
                            f"dropping {n_dropped} of {n_cells} rows ({', '.join(parts)})")
        warnings.append(f"dropped {n_dropped} of {n_cells} rows in {source} ({', '.join(parts)}); "
                        f"{len(values)} values kept")
    return ParsedColumn(np.frombuffer(values, dtype=float).copy(), name, n_dropped, warnings)


def read_csv(path: str | Path) -> ParsedColumn:
    """parse_csv of a regular file of at most MAX_CSV_BYTES (checked before reading)."""
    return parse_csv(read_regular_file(path, MAX_CSV_BYTES, DataError, str(path)), source=str(path))


def check_fit_data(x: np.ndarray, n_components: int, what: str = "training data") -> list[str]:
    """Reject data a K-component fit cannot use; return warnings for data it can."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise DataError(f"{what} must be one column of numbers")
    if x.size == 0:
        raise DataError(f"{what} is empty")
    if not np.all(np.isfinite(x)):
        raise DataError(f"{what} contains NaN or infinite values")
    if n_components < 1:
        raise ConfigError(f"K must be at least 1, got {n_components}")
    if x.size < n_components:
        raise DataError(f"{what} has {x.size} points, fewer than K = {n_components} components; lower K or add data")
    if x.size < 2:
        raise DataError(f"{what} needs at least 2 points, got {x.size}")
    warnings = []
    if np.ptp(x) == 0:
        warnings.append(f"all {x.size} values in {what} are identical ({x[0]:g}); "
                        "the variance floor sets every variance")
    return warnings
