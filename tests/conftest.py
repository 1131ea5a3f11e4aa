"""Shared fixtures. Tests never touch the user's real data cache."""

import atexit
import os
import shutil
import tempfile

import pytest
import torch

# Set before any vae_core import reads it, so every test shares one throwaway cache
# (mnist-5k is converted once per session, not once per test).
if "VAE_CORE_CACHE" not in os.environ:
    os.environ["VAE_CORE_CACHE"] = tempfile.mkdtemp(prefix="vae_core_test_cache_")
    atexit.register(shutil.rmtree, os.environ["VAE_CORE_CACHE"], ignore_errors=True)
# Likewise the user data folder: tests never list or write the user's real models, and the server's
# database (explorer.sqlite3 beside the models folder) is a throwaway one.
if "VAE_EXPLORER_MODELS" not in os.environ:
    _data = tempfile.mkdtemp(prefix="vae_explorer_data_test_")
    os.environ["VAE_EXPLORER_MODELS"] = os.path.join(_data, "models")
    atexit.register(shutil.rmtree, _data, ignore_errors=True)

from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE


@pytest.fixture
def tiny_config():
    return VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(8,), labels=("a", "b", "c"))


@pytest.fixture
def tiny_model(tiny_config):
    torch.manual_seed(0)
    return VAE(tiny_config).eval()


@pytest.fixture
def tiny_batch():
    g = torch.Generator().manual_seed(1)
    return torch.rand(5, 16, generator=g)
