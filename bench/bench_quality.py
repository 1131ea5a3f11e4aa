"""Test-set NLL of the shipped MNIST models against the reference recipe.

    python -m bench.bench_quality [--models mnist-2d mnist-16d mnist-cvae-8d] [--k 1000] [--limit N] [--write-cards]

Trains the PyTorch-examples VAE (784-400-d, Adam 1e-3, batch 128, BCE summed)
on the same mnist-5k images with the same latent size, twice: for the
example's default 10 epochs on all 5,000 images, and early-stopped on the
same 500-image validation split our models use; when our model was trained on
dynamically binarised pixels, so is the reference. Then evaluates every model
with the K-sample importance-weighted NLL on the real MNIST test set in
../shared/data/mnist (evaluation only; it is never copied into the repo): for a
binarised model, on the seeded binarisation x_b ~ Bernoulli(x) of those images
(seed vae_core.data.binarize.TEST_BINARIZE_SEED), so the NLL is a true one.
A conditional model gets -log p(x|y) at the true label, and no reference.
--write-cards stores the figures in each model's sidecar and README.md.
"""

from __future__ import annotations

import argparse

import torch

from bench.harness import MNIST_TEST, print_header, timed
from bench.reference_vae import train_reference
from vae_core import load_dataset, load_model
from vae_core.data.binarize import TEST_BINARIZE_SEED, binarize
from vae_core.vae.config import VAEConfig
from vae_core.vae.model import VAE
from vae_core.vae.model_card import write_card_section
from vae_core.vae.objectives import evaluate
from vae_core.vae.registry import model_card
from vae_core.vae.train import split_indices

REFERENCE = "PyTorch-examples VAE (784-400-d, Adam 1e-3, batch 128, BCE summed)"


def as_vae(ref) -> VAE:
    """Copy the reference's weights into our VAE class so both go through one evaluator."""
    d = ref.fc21.out_features
    model = VAE(VAEConfig(latent_dim=d, hidden=(400,)))
    enc_w = torch.cat([ref.fc21.weight, ref.fc22.weight])
    enc_b = torch.cat([ref.fc21.bias, ref.fc22.bias])
    model.load_state_dict({
        "encoder.0.weight": ref.fc1.weight, "encoder.0.bias": ref.fc1.bias,
        "encoder.2.weight": enc_w, "encoder.2.bias": enc_b,
        "decoder.0.weight": ref.fc3.weight, "decoder.0.bias": ref.fc3.bias,
        "decoder.2.weight": ref.fc4.weight, "decoder.2.bias": ref.fc4.bias,
    })
    return model.eval()


def timed_eval(model, x, k, label, seed=None, y=None):
    torch.manual_seed(0)
    seconds, ev = timed(evaluate, model, x, y, k=k, batch=50, binarize_seed=seed)
    print(f"  {label:<44} NLL {ev.nll:8.2f} ± {ev.iw_se:.2f} (median ESS {ev.median_ess:.0f})  ELBO {ev.elbo:8.2f}  "
          f"KL {ev.kl:6.2f}  ({seconds:.0f} s)", flush=True)
    return ev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--limit", type=int, help="evaluate on the first N test images only")
    parser.add_argument("--models", nargs="+", default=["mnist-2d", "mnist-16d", "mnist-cvae-8d"])
    parser.add_argument("--write-cards", action="store_true")
    args = parser.parse_args()
    print_header()

    test = load_dataset(f"idx:{MNIST_TEST}")
    x_test = torch.from_numpy(test.x[: args.limit])
    train = load_dataset("mnist-5k")
    x_all = torch.from_numpy(train.x)
    y_test = torch.from_numpy(test.y[: args.limit])
    print(f"MNIST test set: {len(x_test)} images, K = {args.k}, torch threads = {torch.get_num_threads()}")
    for name in args.models:
        model = load_model(name)
        if model.card["data"]["name"] != "mnist-5k":
            evaluate_held_out(name, model, args)
            continue
        cfg = model.card["train_config"]
        tr, va = split_indices(len(train), cfg["val_fraction"], cfg["seed"])
        d = model.config.latent_dim
        seed = TEST_BINARIZE_SEED if model.config.binarized else None
        pixels = "grey values" if seed is None else f"binarised with seed {seed}"
        print(f"{name} ({d}-D latent, test images {pixels})", flush=True)
        where = f"the MNIST test set ({len(x_test):,} images" + ("" if seed is None else f", {pixels}") + ")"
        if model.config.conditional:
            ours = timed_eval(model, x_test, args.k, f"ours {list(model.config.hidden)}, -log p(x|y)", seed, y_test)
            if args.write_cards and args.limit is None:
                write_card(name, {**ours.to_dict(), "data": where, "k": args.k, "split": "test",
                                  "conditional": True})
            continue
        ours = timed_eval(model, x_test, args.k, f"ours {list(model.config.hidden)}", seed)
        binary = seed is not None
        x_val = binarize(x_all[va], cfg["seed"]) if binary else x_all[va]
        ref10, _, _ = train_reference(x_all, d, epochs=10, seed=1, binarize=binary)
        ev10 = timed_eval(as_vae(ref10), x_test, args.k, "reference, 10 epochs", seed)
        ref_es, _, epochs = train_reference(x_all[tr], d, epochs=500, seed=1, x_val=x_val, patience=20,
                                            binarize=binary)
        ev_es = timed_eval(as_vae(ref_es), x_test, args.k, f"reference, early-stopped ({epochs} epochs)", seed)
        best_ref = min(ev10.nll, ev_es.nll)
        verdict = "PASS" if ours.nll < best_ref else "FAIL"
        print(f"  {verdict}: ours {ours.nll:.2f} vs best reference {best_ref:.2f} nats "
              f"({best_ref - ours.nll:+.2f} nats better)", flush=True)
        if args.write_cards and args.limit is None:
            trained = "dynamically binarised" if binary else "grey-value"
            write_card(name, {
                **ours.to_dict(), "data": where, "k": args.k, "split": "test",
                "reference": f"{REFERENCE}, trained on the same {trained} images", "reference_nll": best_ref,
                "reference_runs": {"10 epochs on all 5,000 images": ev10.nll,
                                   f"early-stopped on the validation split ({epochs} epochs)": ev_es.nll}})


def evaluate_held_out(name, model, args) -> None:
    """Models of other data sets (digits: 8x8) have no MNIST test set: use their held-out split."""
    data = load_dataset(model.card["data"]["name"])
    cfg = model.card["train_config"]
    _, va = split_indices(len(data), cfg["val_fraction"], cfg["seed"])
    print(f"{name} ({model.config.latent_dim}-D latent, {data.name})", flush=True)
    seed = TEST_BINARIZE_SEED if model.config.binarized else None
    ev = timed_eval(model, torch.from_numpy(data.x[va]), args.k, f"ours, {len(va)} held-out {data.name} images",
                    seed)
    if args.write_cards:
        pixels = "" if seed is None else f", binarised with seed {seed}"
        evaluation = {**ev.to_dict(), "k": args.k, "split": "validation",
                      "data": f"the {len(va)} held-out {data.name} images (used only for early stopping{pixels})"}
        write_card(name, evaluation)


def write_card(name: str, evaluation: dict) -> None:
    """Replace the card's evaluation section, keeping the exact block bench.exact_cards merged in while it was
    measured on these weights (its weights_sha256 matches); an older one goes, and exact_cards must be rerun."""
    card = model_card(name)
    exact = card.get("evaluation", {}).get("exact")
    if exact and exact.get("weights_sha256") == card.get("weights_sha256"):
        evaluation = {**evaluation, "exact": exact}
    sidecar_path = write_card_section(name, "evaluation", evaluation)
    print(f"  wrote the figures into {sidecar_path} and README.md")


if __name__ == "__main__":
    main()
