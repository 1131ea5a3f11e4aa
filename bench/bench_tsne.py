"""t-SNE of the latent map's codes: ours (openTSNE, PCA start, disk cache) against scikit-learn's TSNE.

    python -m bench.bench_tsne [--points 3000]

Embeds the 3,000-code even subsample of mnist-16d's codes of mnist-5k that the latent
map shows, first computation (empty cache) and a later visitor (another process: read
from disk), and scikit-learn's Barnes-Hut TSNE with the same perplexity and PCA start,
timed in the same run. Goal: first computation <= 4 s on the course machine; a later
visitor recomputes nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from bench.harness import print_header, timed
from vae_core import load_dataset, load_model
from vae_core.latent.aggregate import encode_dataset
from vae_core.latent.tsne import default_perplexity, tsne_embedding

POINTS = 3000  # what the latent map embeds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=POINTS, help=f"codes to embed (the page: {POINTS})")
    points = parser.parse_args().points
    print_header()
    mu, _ = encode_dataset(load_model("mnist-16d"), load_dataset("mnist-5k").x)
    x = mu[np.linspace(0, len(mu) - 1, points).astype(int)]
    with tempfile.TemporaryDirectory() as folder:
        first, ours = timed(tsne_embedding, x, seed=0, folder=Path(folder))
        later, again = timed(tsne_embedding, x, seed=0, folder=Path(folder))
    assert np.array_equal(ours, again)
    from sklearn.manifold import TSNE

    reference, _ = timed(TSNE(n_components=2, init="pca", random_state=0,
                              perplexity=default_perplexity(points)).fit_transform, x)
    print(f"t-SNE of {points:,} mnist-16d codes")
    print(f"  ours, first computation:    {first:7.2f} s   (goal <= 4 s)")
    print(f"  ours, later visitor (disk): {later:7.3f} s")
    print(f"  scikit-learn TSNE:          {reference:7.2f} s")
    print(f"  ratio sklearn / ours first: {reference / first:7.1f}x")


if __name__ == "__main__":
    main()
