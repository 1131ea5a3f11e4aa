"""One EM half-step on the 1-D page, measured on this machine: the server time of the click's rerun (the EM
section's fragment, which is all a click reruns) against the full-page rerun it replaces.

    python -m bench.bench_oned_step [--steps 20] [--full 5] [--n 4000]

Figures (target from issue 26: a half-step at most 300 ms of server time):
  half-step, server time: the EM fragment's own run (app/one_d/stepper_section.py times itself from the
      buttons' log to the last element and leaves the figure in session state), alternating M- and E-steps
      sent as the buttons send them, on the default mixture with the VAE already trained.
  full-page rerun: one AppTest run of app/pages/one_d.py with nothing changed and every cache warm: what a
      click cost when a half-step reran the whole page (AppTest's own overhead is included).
The ratio full / half-step says what the fragment buys.
"""

from __future__ import annotations

import argparse

from app.one_d import state as one_d_state
from app.one_d.stepper_section import SECONDS_KEY
from bench.harness import REPO, print_header, summarize, timed

PAGE = str(REPO / "app" / "pages" / "one_d.py")


def measure(steps: int, full: int, n: int):
    from streamlit.testing.v1 import AppTest

    from app.one_d import sections

    sections.VAE_WAIT_S = 600.0  # one run that trains the VAE (a browser would poll its progress instead)
    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state["n"] = n
    at.run()  # samples, fits, trains the VAE: what the first visitor of a class pays once
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    full_runs = [timed(at.run)[0] for _ in range(full)]
    epoch = at.session_state[one_d_state.EPOCH_KEY]
    clicks, step_times = [], []
    for i in range(steps):
        clicks.append([i + 1, "M" if i % 2 == 0 else "E"])
        at.session_state["em_buttons"] = {"log": {"epoch": epoch, "clicks": clicks[-one_d_state.MAX_CLICKS:]}}
        at.run()
        assert not at.exception, at.exception
        step_times.append(at.session_state[SECONDS_KEY])
    assert at.session_state[one_d_state.APPLIED_KEY] == steps  # every click applied, none lost
    return summarize(step_times), summarize(full_runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--full", type=int, default=5)
    parser.add_argument("--n", type=int, default=4000, help="sample size (train + test), the page's default")
    args = parser.parse_args(argv)
    print_header()
    step, full = measure(args.steps, args.full, args.n)
    print(f"half-step, server time (EM fragment), {args.steps} steps: median {step.median * 1000:.0f} ms, "
          f"p95 {step.p95 * 1000:.0f} ms, max {step.max * 1000:.0f} ms   (target <= 300 ms)")
    print(f"full-page rerun (AppTest), {args.full} runs:      median {full.median * 1000:.0f} ms, "
          f"p95 {full.p95 * 1000:.0f} ms")
    print(f"ratio full-page / half-step (medians): {full.median / step.median:.1f}x")


if __name__ == "__main__":
    main()
