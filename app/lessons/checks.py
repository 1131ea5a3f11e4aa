"""The checks a lesson step may ask for, each read from what the visitor did: their lesson events (what the
pages recorded through app.common.lesson_events) and the cards of their own models. Pure functions: the page
gathers the inputs, a test gives its own."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.store import LessonEvent

from .lesson_format import Check


@dataclass(frozen=True)
class CheckState:
    met: bool
    says: str  # one line: what is asked, and what the student did towards it


def describe(check: Check) -> str:
    s = check.settings
    return {
        "map_gap_click": f"click a point of the latent map with log q(z) − log p(z) < −{s.get('tau', 0):g}",
        "em_converged": "run EM to convergence on the 1-D page",
        "trained_kl_above": f"train a model of your own with average KL above {s.get('nats', 0):g} nats",
        "cvae_unsure": f"find an image the CVAE classifies with p(y|x) below {s.get('below', 0):.0%}",
    }[check.kind]


def evaluate(check: Check, events: list[LessonEvent], own_model_kls: dict[str, float]) -> CheckState:
    """Whether the check is met; own_model_kls: the visitor's own models and their cards' average KL."""
    asked = describe(check)
    if check.kind == "map_gap_click":
        ratios = [e.values["log_ratio"] for e in events if e.event == "map_click"]
        tau = check.settings["tau"]
        if any(r < -tau for r in ratios):
            return CheckState(True, f"{asked}: done, log q(z) − log p(z) = {min(ratios):.2f} nats")
        if ratios:
            return CheckState(False, f"{asked}: your lowest so far is {min(ratios):.2f} nats")
    elif check.kind == "em_converged":
        runs = [e.values for e in events if e.event == "em_run"]
        done = [r for r in runs if r["converged"]]
        if done:
            return CheckState(True, f"{asked}: done, converged after {done[-1]['n_iter']} iterations")
        if runs:
            return CheckState(False, f"{asked}: your last run stopped at max_iter before converging")
    elif check.kind == "trained_kl_above":
        nats = check.settings["nats"]
        above = {name: kl for name, kl in own_model_kls.items() if kl > nats}
        if above:
            name, kl = max(above.items(), key=lambda item: item[1])
            return CheckState(True, f"{asked}: done, {name} has {kl:.1f} nats")
        if own_model_kls:
            return CheckState(False, f"{asked}: your highest so far is {max(own_model_kls.values()):.1f} nats")
    elif check.kind == "cvae_unsure":
        below = check.settings["below"]
        seen = [e.values["p_max"] for e in events if e.event == "cvae_classified"]
        if any(p < below for p in seen):
            return CheckState(True, f"{asked}: done, p(y|x) = {min(seen):.1%}")
        if seen:
            return CheckState(False, f"{asked}: your least certain so far is {min(seen):.1%}")
    return CheckState(False, f"{asked}: not yet")


def card_average_kl(sidecar: dict) -> float | None:
    """A model card's average KL(q(z|x) ‖ p(z)): the evaluation's when the card has one, else the validation KL
    of the epoch it kept (its best); None when the card has neither."""
    ev = sidecar.get("evaluation")
    if isinstance(ev, dict) and _finite(ev.get("kl")):
        return float(ev["kl"])
    history = sidecar.get("history")
    best = (sidecar.get("metrics") or {}).get("best_epoch")
    if isinstance(history, list) and history:
        kept = [h for h in history if isinstance(h, dict) and h.get("epoch") == best] or history[-1:]
        if isinstance(kept[0], dict) and _finite(kept[0].get("val_kl")):
            return float(kept[0]["val_kl"])
    return None


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
