"""The teacher's settings for sharing one server: limits per visitor and per run, private mode, codes.

Each number is read from its environment variable, else from `[vae_explorer]` in .streamlit/secrets.toml
(the key is the variable's name without the prefix, in lower case: `runs_per_address = 4`), else its
default. The codes and the admin e-mails are read from secrets.toml only. A setting that is not a number
(or is negative) is refused with one line naming it. No streamlit import at module level: the training
worker, which has none, takes these values as they are passed to it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from vae_core.errors import ConfigError

PREFIX = "VAE_EXPLORER_"


@dataclass(frozen=True)
class ClassSettings:
    running_per_visitor: int = 1  # trainings one visitor has running at once
    queued_per_visitor: int = 1  # and waiting in the queue
    runs_per_address: int = 6  # queued + running from one client address (0: no limit)
    run_image_epochs: int = 3_000_000  # epochs x training images one run may ask for (0: no limit)
    run_cpu_minutes: float = 30.0  # CPU time one run may use before it is stopped and saved (0: no limit)
    visitor_quota_mb: float = 50.0  # user models one visitor may keep, beside the server's quota
    private_models: bool = False  # hide other visitors' models instead of listing them as class models
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-For entries are believed
    checkpoint_epochs: int = 5  # a running training saves a resumable state every this many epochs
    class_map_per_minute: int = 3  # digits one visitor may add to the class map in any minute
    class_map_per_visitor: int = 10  # and in all, on one class map
    class_map_points: int = 600  # all visitors together, on one class map
    class_code: str | None = None  # secrets.toml only
    admin_code: str | None = None  # secrets.toml only
    admin_emails: tuple[str, ...] = ()  # secrets.toml only; with st.login

    @property
    def visitor_quota_bytes(self) -> int:
        return int(self.visitor_quota_mb * 2**20)


SECRETS_ONLY = ("class_code", "admin_code", "admin_emails")


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()


def load_settings(secrets: Mapping | None = None, environ: Mapping | None = None) -> ClassSettings:
    """The settings from `environ` (default os.environ) and the `[vae_explorer]` secrets section."""
    environ = os.environ if environ is None else environ
    section = secrets or {}
    values = {}
    for f in fields(ClassSettings):
        raw = None if f.name in SECRETS_ONLY else environ.get(env_name(f.name))
        if raw is None and f.name in section:
            raw = section[f.name]
        if raw is None:
            continue
        values[f.name] = _parse(f.name, f.type, raw)
    return ClassSettings(**values)


def _parse(name: str, kind: str, raw):
    where = f"{env_name(name)} (or {name} in secrets.toml)"
    if kind == "bool":
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where} must be true or false")
    if kind.startswith("str"):
        text = str(raw).strip()
        return text or None
    if kind.startswith("tuple"):
        items = [raw] if isinstance(raw, str) else list(raw)
        return tuple(str(e).strip().lower() for e in items if str(e).strip())
    try:
        value = (int if kind == "int" else float)(str(raw).strip())
    except ValueError:
        raise ConfigError(f"{where} must be a number") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{where} must be a finite number >= 0")
    return value


def current_settings() -> ClassSettings:
    """The settings as the running server sees them (secrets.toml read through Streamlit)."""
    from app.common.server_secrets import secret_section

    return load_settings(secret_section("vae_explorer"))
