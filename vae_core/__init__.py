"""vae_core: the VAE library behind the latent explorer. It never imports streamlit.

Public API:
    list_models()                 names of the shipped pretrained models, then the user's own ("user:<name>")
    load_model(name_or_path)      a VAE with .encode(x) -> (mu, logvar), .decode(z) -> x_mean, .config
    load_dataset(name, split)     mnist-5k, digits, mnist, fashion-mnist, idx:PATH, folder:PATH
"""

from .data.datasets import Dataset, list_datasets, load_dataset
from .errors import CheckpointError, ConfigError, DataError, ImageError, VAECoreError
from .vae.config import VAEConfig
from .vae.model import VAE
from .vae.registry import list_models, load_model, model_card

from .cvae import Classification, classify, generation_grid, style_transfer
from .errors import TrainingDivergedError  # noqa: E402
from .vae.train import TrainConfig, TrainResult, train, train_and_save  # noqa: E402
from .vae.train_control import TrainControl  # noqa: E402
from .vae.user_models import UserModelsFullError, list_user_models, user_models_dir  # noqa: E402

from .vae.archive import ArchiveError, export_archive, import_archive  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "VAE", "VAEConfig", "Dataset", "list_models", "load_model", "model_card", "load_dataset",
    "list_datasets", "VAECoreError", "ConfigError", "DataError", "CheckpointError", "ImageError",
    "classify", "Classification", "style_transfer", "generation_grid",
]

# Inside a VAE (issue 17): one image through the computation, and the gradient estimators measured.
from .vae.forward_trace import forward_trace  # noqa: E402
from .vae.gradient_estimators import gradient_estimates  # noqa: E402

__all__ += ["forward_trace", "gradient_estimates"]
__all__ += ["TrainingDivergedError", "TrainConfig", "TrainResult", "train", "train_and_save", "TrainControl",
            "UserModelsFullError", "list_user_models", "user_models_dir", "ArchiveError", "export_archive",
            "import_archive"]
