"""vae_core: the VAE library behind the latent explorer. It never imports streamlit.

Public API:
    list_models()                 names of the shipped pretrained models, then the user's own ("user:<name>")
    load_model(name_or_path)      a VAE with .encode(x) -> (mu, logvar), .decode(z) -> x_mean, .config
    load_dataset(name, split)     mnist-5k, digits, mnist, fashion-mnist, idx:PATH, folder:PATH
    train / train_and_save        maximise the ELBO (TrainConfig; TrainControl pauses and stops a run)
    export_archive / import_archive   a checkpoint as one validated zip (safetensors + JSON, never pickle)
    classify / style_transfer / generation_grid   a conditional VAE's p(x|y), style, and samples by label
    exact_log_px / exact_posterior    log p(x) and p(z|x) by adaptive quadrature, 1-D and 2-D latents
    iw_estimate                   the importance-weighted log p(x) with its standard error and ESS
    fit_latent_prior              a Gaussian mixture fitted by EM to the aggregate posterior q(z)
    MixtureEMStepper              EM on 2-D codes one E-/M-step at a time (the taught version, on the map)
    forward_trace / gradient_estimates   one image through the computation; reparameterisation vs score function
"""

from .cvae import Classification, classify, generation_grid, style_transfer
from .data.datasets import Dataset, list_datasets, load_dataset
from .errors import CheckpointError, ConfigError, DataError, ImageError, TrainingDivergedError, VAECoreError
from .latent.em_stepper import MixtureEMStepper
from .latent.exact import ExactPosterior, exact_log_px, exact_posterior
from .latent.prior import LatentPrior, elbo_with_prior, fit_latent_prior
from .vae.archive import ArchiveError, export_archive, import_archive
from .vae.config import VAEConfig
from .vae.forward_trace import forward_trace
from .vae.gradient_estimators import gradient_estimates
from .vae.iw_stats import LOW_ESS, IWEstimate, iw_estimate
from .vae.model import VAE
from .vae.registry import list_models, load_model, model_card, model_replay
from .vae.replay import ReplayRecorder, TrainingReplay
from .vae.train import TrainConfig, TrainResult, train, train_and_save
from .vae.train_control import TrainControl
from .vae.user_models import UserModelsFullError, list_user_models, user_models_dir

__version__ = "0.1.0"

__all__ = [
    "VAE", "VAEConfig", "Dataset", "list_models", "load_model", "model_card", "load_dataset", "list_datasets",
    "VAECoreError", "ConfigError", "DataError", "CheckpointError", "ImageError", "TrainingDivergedError",
    "TrainConfig", "TrainResult", "train", "train_and_save", "TrainControl",
    "UserModelsFullError", "list_user_models", "user_models_dir", "ArchiveError", "export_archive", "import_archive",
    "classify", "Classification", "style_transfer", "generation_grid",
    "exact_log_px", "exact_posterior", "ExactPosterior", "iw_estimate", "IWEstimate", "LOW_ESS",
    "fit_latent_prior", "LatentPrior", "elbo_with_prior", "MixtureEMStepper",
    "forward_trace", "gradient_estimates", "model_replay", "TrainingReplay", "ReplayRecorder",
]
