"""Whose model is whose: a visitor's own models are starred for them alone; other visitors' are class models
(hidden in private mode); models written outside the app (the CLI, a teacher's copy) belong to nobody and are
class models for everyone. A visitor renames and deletes their own; an admin deletes any. The records live in
the server's store (app/store), so they survive a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import streamlit as st

from app.store import ModelRecord, Store, database_path, open_store
from vae_core.errors import VAECoreError
from vae_core.vae.user_models import USER_PREFIX, delete_user_model, folder_bytes, rename_user_model

from .class_settings import ClassSettings
from .identity import Visitor


class NotYoursError(VAECoreError):
    """A visitor asked to change a model that is not theirs."""


@st.cache_resource(show_spinner=False)
def _store_at(path: str) -> Store:
    return open_store(path)


def get_store() -> Store:
    """The server's store, opened once per database path (a test's own folder gets its own)."""
    return _store_at(str(database_path()))


def visible_models(names: Iterable[str], visitor: Visitor, settings: ClassSettings,
                   records: dict[str, ModelRecord] | None = None) -> list[str]:
    names = list(names)
    if not settings.private_models:
        return names
    records = get_store().models() if records is None else records
    return [n for n in names if n not in records or records[n].owner in (None, visitor.key)]


def labeler(visitor: Visitor, records: dict[str, ModelRecord]) -> Callable[[str], str]:
    """The picker's format_func for this visitor: ★ ... (yours), ... (class), or a shipped model's name."""
    def label(name: str) -> str:
        if not name.startswith(USER_PREFIX):
            return name
        record = records.get(name)
        bare = name[len(USER_PREFIX):]
        return f"★ {bare} (yours)" if record is not None and record.owner == visitor.key else f"{bare} (class)"
    return label


def own_models(visitor: Visitor, names: Iterable[str], records: dict[str, ModelRecord]) -> list[str]:
    return [n for n in names if n in records and records[n].owner == visitor.key]


def usage_bytes(owner: str, records: dict[str, ModelRecord]) -> int:
    """What the owner's models take on disk now."""
    return sum(folder_bytes(name) for name, r in records.items() if r.owner == owner)


def _check_may_change(visitor: Visitor, name: str, records: dict[str, ModelRecord], busy: set[str],
                      admin_may: bool) -> None:
    record = records.get(name)
    mine = record is not None and record.owner == visitor.key
    if not (mine or (admin_may and visitor.admin)):
        raise NotYoursError("only the visitor who made a model (or the teacher, to delete it) can change it")
    if name in busy:
        raise NotYoursError("this model's run is still queued or training: stop it first")


def rename_model(store: Store, visitor: Visitor, name: str, new_label: str, busy: set[str]) -> str:
    records = store.models()
    _check_may_change(visitor, name, records, busy, admin_may=False)
    new = rename_user_model(name, new_label)
    store.rename_model(name, new)
    return new


def delete_model(store: Store, visitor: Visitor, name: str, busy: set[str]) -> None:
    records = store.models()
    if name not in records and not visitor.admin:
        raise NotYoursError("only the teacher can delete a model nobody on this server made")
    _check_may_change(visitor, name, records, busy, admin_may=True)
    delete_user_model(name)
    store.delete_model(name)
