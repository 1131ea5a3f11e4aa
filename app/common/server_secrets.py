"""The server's secrets.toml sections, read through st.secrets, without a file read on every rerun.

When no secrets file exists, Streamlit keeps nothing: every `st.secrets.get` opens each configured path and
raises FileNotFoundError again, and a latent-map rerun asked four times (data roots, class settings, sign-in),
about 4% of its server time. The answer "no secrets" is kept for a moment instead; a secrets file that exists
is kept by Streamlit itself and reloaded when it changes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import streamlit as st

NO_SECRETS_KEPT_S = 2.0  # a secrets.toml written while the server runs is seen within this
_missing: dict[int, float] = {}  # id(st.secrets) -> until when "no secrets file" holds (tests swap st.secrets)


def _readable_secrets():
    """st.secrets when a secrets file can be read, else None (and that answer kept NO_SECRETS_KEPT_S)."""
    secrets = st.secrets
    if time.monotonic() < _missing.get(id(secrets), 0.0):
        return None
    try:
        len(secrets)  # parses the file once (Streamlit keeps what it parsed), or raises
    except (FileNotFoundError, OSError, ValueError):  # no secrets.toml, or an unreadable one
        _missing.clear()  # one entry: st.secrets is one object per process (AppTest swaps it per run)
        _missing[id(secrets)] = time.monotonic() + NO_SECRETS_KEPT_S
        return None
    return secrets


def secret_section(name: str) -> Mapping:
    """st.secrets[name], or {} when there is no such section, no secrets file or an unreadable one."""
    secrets = _readable_secrets()
    section = {} if secrets is None else secrets.get(name, {})
    return section if hasattr(section, "get") else {}


def has_secret(name: str) -> bool:
    """Whether secrets.toml has a top-level `name` (as `name in st.secrets`, never raising)."""
    secrets = _readable_secrets()
    return secrets is not None and name in secrets
