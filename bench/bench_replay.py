"""Replay a training: how long the browser takes to redraw one epoch (issue 28: under 100 ms, no server call),
against the reference of the cheapest server-side redraw, a rerun of the same page, in the same run.

    python -m bench.bench_replay [--epochs 40] [--sweeps 2]

Trains a 2-D model on mnist-5k (the replay keeps 600 validation means, 8 reconstructions and 8 prior draws
per epoch, as a Train page run does) into a temporary models folder, opens Compare with it, then moves the
replay's slider through every epoch: each step is timed in the page from the input event to the second
animation frame after it (the new epoch painted), and the player's own drawing time is reported beside it.
"""

from __future__ import annotations

import argparse
import os
import tempfile

from bench.bench_hover import WATCH_RERUN
from bench.harness import print_header, summarize
from testkit.browser import NO_BUSY, chromium_page, streamlit_server

STEP = """async (i) => { const s = document.querySelector('[data-testid=replay-slider]') ||
  [...document.querySelectorAll('*')].map(e => e.shadowRoot).filter(Boolean)
    .map(r => r.querySelector('[data-testid=replay-slider]')).find(Boolean);
  const root = s.closest('[data-testid=replay]');
  const t0 = performance.now(); s.value = String(i); s.dispatchEvent(new Event('input'));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return [performance.now() - t0, Number(root.dataset.drawMs), Number(root.dataset.epoch)]; }"""


def train_model(folder: str, epochs: int) -> None:
    from app.training.job import JobPlan, train_job
    from vae_core.data.datasets import load_dataset
    from vae_core.vae.train import TrainConfig
    from vae_core.vae.train_control import TrainControl

    cfg = TrainConfig(data="mnist-5k", latent_dim=2, hidden=(64,), epochs=epochs, seed=0, patience=1000)
    train_job(cfg, load_dataset("mnist-5k"), JobPlan("bench", folder, folder + "-state"), TrainControl(),
              lambda *m: None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--sweeps", type=int, default=2)
    parser.add_argument("--reruns", type=int, default=5)
    args = parser.parse_args()
    if not (2 <= args.epochs <= 300 and 1 <= args.sweeps <= 5 and 1 <= args.reruns <= 20):
        parser.error("--epochs 2..300, --sweeps 1..5, --reruns 1..20")
    print_header()
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp:
        os.environ["VAE_EXPLORER_MODELS"] = tmp  # the server started below inherits it
        train_model(os.path.join(tmp, "bench-run"), args.epochs)
        with streamlit_server() as url, chromium_page(viewport=(1280, 1000)) as page:
            page.goto(f"{url}/compare?models=mnist-2d,user:bench-run")
            page.get_by_text("Replay how each model trained").click(timeout=240_000)
            page.get_by_test_id("replay").wait_for(timeout=120_000)
            page.wait_for_function(NO_BUSY, timeout=240_000)
            page.get_by_test_id("replay").scroll_into_view_if_needed()
            steps, drawing, shown = [], [], []
            for _ in range(args.sweeps):
                for i in range(args.epochs):
                    took, draw_ms, epoch = page.evaluate(STEP, i)
                    steps.append(took)
                    drawing.append(draw_ms)
                    shown.append(epoch)
            reruns = []
            for _ in range(args.reruns):
                page.evaluate(WATCH_RERUN)
                page.mouse.click(5, 5)  # the page body, so the key goes to Streamlit, not to an input
                page.dispatch_event("body", "mousedown")
                page.keyboard.press("r")  # Streamlit's "rerun" shortcut: the page's full run, redrawn
                took = page.evaluate("() => window.__rerunDone")
                if took == took:
                    reruns.append(took)
                page.wait_for_function(NO_BUSY, timeout=120_000)
    assert sorted(set(shown)) == list(range(1, args.epochs + 1)), "the slider did not show every epoch"
    s, d, r = summarize(steps), summarize(drawing), summarize(reruns)
    print(f"replay, slider -> epoch painted, {len(steps)} steps over {args.epochs} epochs: median {s.median:.1f} ms, "
          f"p95 {s.p95:.1f} ms, max {s.max:.1f} ms (goal: under 100 ms); the player's drawing alone: median "
          f"{d.median:.1f} ms, p95 {d.p95:.1f} ms")
    print(f"reference: a rerun of the same page (the cheapest server redraw), {len(reruns)} reruns: median "
          f"{r.median:.0f} ms, p95 {r.p95:.0f} ms")
    print(f"ratio replay step / page rerun (medians): {s.median / r.median:.3f}")


if __name__ == "__main__":
    main()
