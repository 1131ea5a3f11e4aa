"""What data a web visitor may load: the named data sets, and idx:/folder: paths inside the data roots
the server's operator configured. By default there are none, so a visitor cannot make the server read
its own files. The CLI and the Python API are not affected (they run as the local user).

Configure the roots with either
    VAE_EXPLORER_DATA_ROOTS=/srv/data:/srv/more      (os.pathsep-separated)
or, in .streamlit/secrets.toml,
    [vae_explorer]
    data_roots = ["/srv/data", "/srv/more"]
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from app.common.server_secrets import secret_section
from vae_core.data.datasets import OUTSIDE_ROOTS, canonical_spec, spec_paths
from vae_core.errors import DataError
from vae_core.fileio import canonical_path, is_within

ENV_VAR = "VAE_EXPLORER_DATA_ROOTS"


def _secret_roots() -> list[str]:
    roots = secret_section("vae_explorer").get("data_roots", [])
    return [roots] if isinstance(roots, str) else [str(r) for r in roots]


def allowed_roots() -> tuple[Path, ...]:
    """The canonical data roots a visitor may read from (empty: named data sets only)."""
    raw = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()] + _secret_roots()
    return _canonical_roots(tuple(p.strip() for p in raw))


@lru_cache(maxsize=8)  # the server's own settings, not a visitor's input: a handful of values at most
def _canonical_roots(raw: tuple[str, ...]) -> tuple[Path, ...]:
    # Resolving each root touched the file system on every get_dataset call, several per rerun.
    return tuple(dict.fromkeys(canonical_path(p) for p in raw))


def visitor_spec(spec: str) -> str:
    """The canonical form of a data set spec a visitor typed, or DataError(OUTSIDE_ROOTS) when it names a
    path outside the allowed roots. The message never names a server path."""
    spec = canonical_spec(spec)
    roots = allowed_roots()
    if any(not is_within(p, roots) for p in spec_paths(spec)):
        raise DataError(OUTSIDE_ROOTS)
    return spec


def spec_placeholder() -> str:
    roots = allowed_roots()
    if not roots:
        return "this server allows named data sets only"
    return f"idx:{roots[0]}/t10k or folder:{roots[0]}/images"
