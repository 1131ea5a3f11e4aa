"""The shipped models in pretrained/, found by name."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from ..errors import CheckpointError
from .checkpoint import checkpoint_paths, load_checkpoint, read_sidecar
from .model import VAE
from .user_models import is_user_model, list_user_models, user_model_path

PRETRAINED_DIR = Path(__file__).resolve().parents[2] / "pretrained"


def list_models(include_user: bool = True) -> list[str]:
    """Names of the shipped pretrained models, sorted, then the user's own ("user:<name>")."""
    shipped = []
    if PRETRAINED_DIR.is_dir():
        shipped = sorted(p.name for p in PRETRAINED_DIR.iterdir() if (p / "model.json").is_file())
    return shipped + (list_user_models() if include_user else [])


def resolve(name_or_path: str | Path) -> Path:
    """A pretrained model's folder, or a checkpoint path the user gave."""
    text = str(name_or_path)
    if is_user_model(text):
        folder = user_model_path(text)
        if folder is None or not (folder / "model.json").is_file():
            raise CheckpointError(f"no user model named {text!r}")
        return folder
    if text in list_models(include_user=False):
        return PRETRAINED_DIR / text
    path = Path(text).expanduser()
    weights, sidecar = checkpoint_paths(path)
    if sidecar.exists() or weights.exists():
        return path
    if "/" in text or "\\" in text or path.suffix:
        raise CheckpointError(f"no checkpoint at {text} (expected model.json beside model.safetensors)")
    known = ", ".join(list_models(include_user=False)) or "none shipped"
    raise CheckpointError(f"no model named {text!r}; pretrained models: {known}")


@contextmanager
def _named(name_or_path, path: Path):
    """A damaged shipped or user model is named by its registry name in the message, not by the server's
    folder (a web visitor chose it by name); the folder goes in local_detail, for the CLI."""
    try:
        yield
    except CheckpointError as exc:
        text = str(name_or_path)
        if text == str(path) or not (is_user_model(text) or path.parent == PRETRAINED_DIR):
            raise  # a path the user typed: theirs to see
        message = str(exc).replace(str(path) + "/", f"{text}: ").replace(str(path), text)
        raise type(exc)(message, local_detail=f"the model's folder is {path}") from None


def load_model(name_or_path: str | Path) -> VAE:
    """Load a pretrained model by name or a checkpoint by path, in eval mode.

    The returned model also carries `.name` and `.card` (the sidecar's metadata).
    """
    path = resolve(name_or_path)
    with _named(name_or_path, path):
        model, sidecar = load_checkpoint(path)
    model.name = str(name_or_path)
    model.card = sidecar
    return model


def model_card(name_or_path: str | Path) -> dict:
    """The sidecar metadata of a model, without loading its weights."""
    path = resolve(name_or_path)
    with _named(name_or_path, path):
        return read_sidecar(path)


def model_replay(name_or_path: str | Path):
    """The model's training replay (replay.py), or None when it has none; a damaged one raises a one-line
    CheckpointError naming the model, not its folder."""
    from .replay import read_replay

    path = resolve(name_or_path)
    with _named(name_or_path, path):
        return read_replay(checkpoint_paths(path)[1], read_sidecar(path))


def model_card_text(name_or_path: str | Path) -> str | None:
    """The README.md model card beside a checkpoint, if it has one."""
    weights, _ = checkpoint_paths(resolve(name_or_path))
    card = weights.parent / "README.md"
    return card.read_text(encoding="utf-8") if card.is_file() else None


__all__ = ["PRETRAINED_DIR", "list_models", "load_model", "model_card", "model_replay", "resolve", "CheckpointError"]
