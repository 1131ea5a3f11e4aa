"""The "Inside a VAE" page, measured on this machine.

    python -m bench.bench_inside [--models mnist-2d mnist-16d] [--opens 5] [--resamples 10]

Figures (targets from issue 17):
  page open, server time, median and worst   (<= 300 ms): one script run of app/pages/inside.py under
      Streamlit's AppTest, on a data-set image the caches have not seen (so the trace, the 1000 Monte Carlo
      draws and the quadrature or large-M reference are all computed), with the model already loaded;
      AppTest's own overhead is included, so this overstates the server time a little.
  resample epsilon, server time, median      (<= 300 ms): the click's rerun (the graph's fragment).
  gradient-variance figure, M up to 1000, 50 repeats (<= 2 s): vae_core.vae.gradient_estimators.variance_curve,
      all 50,000 draws in one decoder batch, against a reference that loops over the 50 repeats
      (one decoder batch of 1000 draws each), so the ratio shows what the single batch buys.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from bench.harness import REPO, Summary, alternate, print_header, summarize, timed
from vae_core import load_dataset, load_model
from vae_core.vae import gradient_estimators as ge

PAGE = str(REPO / "app" / "pages" / "inside.py")
MS = (1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000)


def page_times(model: str, opens: int, resamples: int) -> tuple[Summary, Summary]:
    from streamlit.testing.v1 import AppTest

    warm = AppTest.from_file(PAGE, default_timeout=300)
    warm.session_state["inside_model"] = model
    warm.run()  # loads the model, the data set and the imports once, as a running server has
    assert not warm.exception, warm.exception
    opened, resampled = [], []
    for i in range(opens):
        at = AppTest.from_file(PAGE, default_timeout=300)
        at.session_state["inside_model"] = model
        at.session_state["inside_index"] = 100 + i  # an image no cache has seen
        opened.append(timed(at.run)[0])
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        if i == 0:
            for _ in range(resamples):
                resampled.append(timed(at.button(key="inside_resample").click().run)[0])
                assert not at.exception, at.exception
    return summarize(opened), summarize(resampled)


def reference_variance_curve(model, x, ms, repeats: int) -> dict:
    """The same measurement with a Python loop over repeats: one decoder batch per repeat."""
    f, mu, logvar = ge._model_target(model, x)
    per_repeat = [ge.single_draw_gradients(f, mu, logvar, max(ms), 1, seed=r) for r in range(repeats)]
    ms = np.asarray(ms)
    out = {}
    for name in ge.ESTIMATORS:
        draws = np.concatenate([getattr(d, name) for d in per_repeat])  # (repeats, M, 2d)
        est = np.cumsum(draws, axis=1)[:, ms - 1, :] / ms[None, :, None]
        out[name] = est.var(axis=0, ddof=1).sum(-1)
    return out


def gradient_times(model_name: str, repeats: int = 50, tries: int = 3) -> tuple[float, float, float]:
    model = load_model(model_name)
    x = load_dataset(model.card["data"]["name"]).x[7]
    ge.variance_curve(model, x, MS[:3], repeats)  # warm the kernels
    ours, ref = alternate(lambda: ge.variance_curve(model, x, MS, repeats),
                          lambda: reference_variance_curve(model, x, MS, repeats), tries)
    return ours.min, ref.min, float(np.median(ours.last.ratio()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["mnist-2d", "mnist-16d"])
    parser.add_argument("--opens", type=int, default=5)
    parser.add_argument("--resamples", type=int, default=10)
    args = parser.parse_args()
    print_header()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name in args.models:
        opened, resampled = page_times(name, args.opens, args.resamples)
        ours, ref, ratio = gradient_times(name)
        print(f"\n{name}")
        print(f"  page open (new image), server time: median {1000 * opened.median:.0f} ms, "
              f"worst {1000 * opened.max:.0f} ms   (target <= 300 ms; ratio to target {opened.median / 0.3:.2f})")
        print(f"  resample epsilon, server time:      median {1000 * resampled.median:.0f} ms, "
              f"worst {1000 * resampled.max:.0f} ms   (target <= 300 ms)")
        print(f"  gradient-variance figure (M <= 1000, 50 repeats): {ours:.2f} s one batch vs {ref:.2f} s "
              f"looping over repeats (x{ref / ours:.2f}); target <= 2 s")
        print(f"  measured variance ratio, score function / reparameterisation: median {ratio:,.0f}x")


if __name__ == "__main__":
    main()
