"""The reference recipe: PyTorch examples' VAE (examples/vae/main.py).

784-400-d MLP encoder, d-400-784 decoder, ReLU, sigmoid output, Adam 1e-3,
batch 128, BCE summed plus the analytic KL, fed by a shuffling DataLoader.
Kept here, outside vae_core, only as the yardstick for bench/ scripts.
"""

from __future__ import annotations

import time

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset


class ReferenceVAE(nn.Module):
    def __init__(self, latent_dim: int = 20, input_dim: int = 784):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, 400)
        self.fc21 = nn.Linear(400, latent_dim)
        self.fc22 = nn.Linear(400, latent_dim)
        self.fc3 = nn.Linear(latent_dim, 400)
        self.fc4 = nn.Linear(400, input_dim)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode_logits(self, z):
        return self.fc4(F.relu(self.fc3(z)))

    def decode(self, z):
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def train_epoch(model, loader, optimizer, binarize: bool = False) -> int:
    model.train()
    seen = 0
    for (data,) in loader:
        if binarize:  # dynamic binarisation, as our binarised models train: a fresh x_b ~ Bernoulli(x) each time
            data = torch.bernoulli(data)
        optimizer.zero_grad()
        recon, mu, logvar = model(data)
        loss = loss_function(recon, data, mu, logvar)
        loss.backward()
        optimizer.step()
        seen += len(data)
    return seen


@torch.no_grad()
def val_elbo(model, x: torch.Tensor) -> float:
    model.eval()
    recon, mu, logvar = model(x)
    return -loss_function(recon, x, mu, logvar).item() / len(x)


def train_reference(x_train: torch.Tensor, latent_dim: int, epochs: int, seed: int = 1,
                    x_val: torch.Tensor | None = None, patience: int | None = None, binarize: bool = False):
    """Train with the recipe; with x_val and patience, keep the best-validation weights.

    binarize: train on dynamically binarised images (pass a binarised x_val), as TrainConfig binarize="dynamic".

    Returns (model, images_per_second, epochs_run).
    """
    torch.manual_seed(seed)
    model = ReferenceVAE(latent_dim, x_train.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(x_train), batch_size=128, shuffle=True)
    best, best_state, stale, seen, epochs_run = -float("inf"), None, 0, 0, 0
    start = time.perf_counter()
    for _ in range(epochs):
        seen += train_epoch(model, loader, optimizer, binarize)
        epochs_run += 1
        if x_val is not None and patience:
            score = val_elbo(model, x_val)
            if score > best:
                best, stale = score, 0
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
            else:
                stale += 1
                if stale >= patience:
                    break
    rate = seen / (time.perf_counter() - start)
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return model, rate, epochs_run
