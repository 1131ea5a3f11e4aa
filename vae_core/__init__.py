"""vae_core: the VAE library behind the latent explorer. It never imports streamlit.

Public API:
    list_models()                 names of the shipped pretrained models
    load_model(name_or_path)      a VAE with .encode(x) -> (mu, logvar), .decode(z) -> x_mean, .config
    load_dataset(name, split)     mnist-5k, digits, mnist, fashion-mnist, idx:PATH, folder:PATH
"""

from .data.datasets import Dataset, list_datasets, load_dataset
from .errors import CheckpointError, ConfigError, DataError, ImageError, VAECoreError
from .vae.config import VAEConfig
from .vae.model import VAE
from .vae.registry import list_models, load_model, model_card

__version__ = "0.1.0"

__all__ = [
    "VAE", "VAEConfig", "Dataset", "list_models", "load_model", "model_card", "load_dataset",
    "list_datasets", "VAECoreError", "ConfigError", "DataError", "CheckpointError", "ImageError",
]

from .latent.exact import ExactPosterior, exact_log_px, exact_posterior  # noqa: E402
from .vae.iw_stats import LOW_ESS, IWEstimate, iw_estimate  # noqa: E402

from .latent.prior import LatentPrior, elbo_with_prior, fit_latent_prior  # noqa: E402

__all__ += ["fit_latent_prior", "LatentPrior", "elbo_with_prior"]
__all__ += ["exact_log_px", "exact_posterior", "ExactPosterior", "iw_estimate", "IWEstimate", "LOW_ESS"]
