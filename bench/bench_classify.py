"""Generative classification by the shipped conditional VAEs, against latent kNN and a pixel baseline.

    python -m bench.bench_classify [--k 20] [--limit N] [--write-cards]

On the real MNIST test set in ../shared/data/mnist (evaluation only; it is never
copied into the repo):
- each conditional model's accuracy of argmax_y p(x|y) p(y), p(x|y) importance-sampled with K per label (on the
  seeded binarisation of the test images for a model trained on binarised pixels, as its card's NLL);
- kNN (k = 8) in latent space: the unconditional mnist-2d and mnist-16d encode the 5,000 training
  images and vote among the nearest encoder means;
- logistic regression on the 5,000 training images' pixels (scikit-learn);
- the server time to classify one uploaded image with K = 100 per label, against the 300 ms target.
--write-cards stores each conditional model's accuracy in its sidecar and README.md.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from bench.harness import MNIST_TEST, print_header, time_each, timed
from vae_core import classify, load_dataset, load_model
from vae_core.data.binarize import TEST_BINARIZE_SEED, binarize
from vae_core.latent.aggregate import encode_dataset
from vae_core.latent.placement import LatentIndex
from vae_core.vae.model_card import write_card_section

TARGET_MS = 300.0
KNN = 8


def accuracy_line(label: str, predicted: np.ndarray, truth: np.ndarray, seconds: float) -> float:
    acc = float(np.mean(predicted == truth))
    se = (acc * (1 - acc) / len(truth)) ** 0.5
    print(f"  {label:<58} {100 * acc:6.2f}% ± {100 * se:.2f}   ({seconds:.0f} s)", flush=True)
    return acc


def one_image_ms(model, x: np.ndarray, k: int = 100, repeats: int = 15) -> float:
    """Median ms to classify one image, a different image each time, after one warm-up."""
    return 1000 * time_each(lambda i: classify(model, x[i:i + 1], k=k), range(repeats), warmup=1).median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=20, help="importance samples per label (default 20)")
    parser.add_argument("--limit", type=int, help="use the first N test images only")
    parser.add_argument("--models", nargs="+", default=["mnist-cvae-2d", "mnist-cvae-8d"])
    parser.add_argument("--write-cards", action="store_true")
    args = parser.parse_args()
    print_header()

    test, train = load_dataset(f"idx:{MNIST_TEST}"), load_dataset("mnist-5k")
    x_test, y_test = test.x[: args.limit], np.asarray(test.y[: args.limit])
    print(f"MNIST test set: {len(x_test):,} images; trained on mnist-5k ({len(train):,} images); "
          f"torch threads = {torch.get_num_threads()}")
    results = {}
    print(f"Generative classification, argmax_y p(x|y) p(y), uniform p(y), K = {args.k} per label:")
    for name in args.models:
        model = load_model(name)
        # A model trained on binarised pixels classifies the seeded binarisation its card's NLL is measured on.
        x_model = binarize(x_test, TEST_BINARIZE_SEED) if model.config.binarized else x_test
        seconds, r = timed(classify, model, x_model, k=args.k, batch=50, seed=0)
        results[name] = accuracy_line(f"{name} ({model.config.latent_dim}-D latent)", r.predicted, y_test, seconds)
    baselines = {}
    print(f"kNN in latent space (k = {KNN}, Euclidean on encoder means of the {len(train):,} training images):")
    for name in ("mnist-2d", "mnist-16d"):
        model = load_model(name)
        start = time.perf_counter()
        codes, _ = encode_dataset(model, train.x)
        z_test, _ = encode_dataset(model, x_test)
        pred = LatentIndex(codes, np.asarray(train.y)).classify(z_test, k=KNN)
        baselines[f"kNN (k = {KNN}) in {name}'s latent space"] = accuracy_line(
            f"{name} ({model.config.latent_dim}-D latent)", pred, y_test, time.perf_counter() - start)
    from sklearn.linear_model import LogisticRegression

    seconds, clf = timed(LogisticRegression(max_iter=2000).fit, train.x, train.y)
    baselines["logistic regression on the 5,000 training images' pixels"] = accuracy_line(
        "logistic regression on pixels (scikit-learn)", clf.predict(x_test), y_test, seconds)

    print("Server time to classify one uploaded image, K = 100 per label (median of 15):")
    threads = torch.get_num_threads()
    for n_threads in sorted({1, threads}):
        torch.set_num_threads(n_threads)
        for name in args.models:
            ms = one_image_ms(load_model(name), x_test)
            verdict = "PASS" if ms <= TARGET_MS else "FAIL"
            print(f"  {name:<16} torch threads {n_threads}: {ms:7.1f} ms   target {TARGET_MS:.0f} ms   "
                  f"ratio {ms / TARGET_MS:.2f}   {verdict}")
    torch.set_num_threads(threads)

    if args.write_cards and args.limit is None:
        for name in args.models:
            pixels = f", binarised with seed {TEST_BINARIZE_SEED}" if load_model(name).config.binarized else ""
            sidecar_path = write_card_section(name, "classification", {
                "data": f"the MNIST test set ({len(x_test):,} images{pixels})", "n": len(x_test), "k": args.k,
                "accuracy": results[name], "baselines": baselines})
            print(f"  wrote the accuracy into {sidecar_path} and README.md")


if __name__ == "__main__":
    main()
