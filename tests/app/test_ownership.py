"""Whose model is whose: labels per visitor, private mode, and who may rename or delete."""

import pytest

import vae_core
from app.common.class_settings import ClassSettings
from app.common.identity import Visitor
from app.common.ownership import NotYoursError, delete_model, labeler, own_models, rename_model, visible_models
from app.store import SQLiteStore
from vae_core.vae.checkpoint import save_checkpoint
from vae_core.vae.user_models import reserve_name

ALICE = Visitor("a" * 32, "browser", None, admin=False, may_train=True)
BOB = Visitor("b" * 32, "browser", None, admin=False, may_train=True)
TEACHER = Visitor("c" * 32, "browser", None, admin=True, may_train=True)


@pytest.fixture
def models(tmp_path, monkeypatch, tiny_model):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    store = SQLiteStore(tmp_path / "db.sqlite3")
    names = {}
    for who in ("alice", "bob", "cli"):
        names[who], folder = reserve_name(who)
        save_checkpoint(tiny_model, folder)
    store.add_model(names["alice"], ALICE.key, "trained")
    store.add_model(names["bob"], BOB.key, "uploaded")
    return store, names


def test_labels_and_private_mode(models):
    store, names = models
    records = store.models()
    label = labeler(ALICE, records)
    assert label(names["alice"]) == f"★ {names['alice'][5:]} (yours)"
    assert label(names["bob"]) == f"{names['bob'][5:]} (class)"
    assert label(names["cli"]) == f"{names['cli'][5:]} (class)"  # written outside the app: nobody's
    assert label("mnist-2d") == "mnist-2d"
    every = ["mnist-2d", *names.values()]
    assert visible_models(every, ALICE, ClassSettings(), records) == every
    private = visible_models(every, ALICE, ClassSettings(private_models=True), records)
    assert private == ["mnist-2d", names["alice"], names["cli"]]
    assert own_models(ALICE, every, records) == [names["alice"]]


def test_only_the_owner_renames_and_the_owner_or_the_teacher_deletes(models):
    store, names = models
    with pytest.raises(NotYoursError):
        rename_model(store, BOB, names["alice"], "mine now", set())
    with pytest.raises(NotYoursError):
        delete_model(store, BOB, names["alice"], set())
    with pytest.raises(NotYoursError, match="only the teacher"):
        delete_model(store, ALICE, names["cli"], set())
    with pytest.raises(NotYoursError, match="still queued or training"):
        delete_model(store, ALICE, names["alice"], {names["alice"]})
    renamed = rename_model(store, ALICE, names["alice"], "Alice's best", set())
    assert renamed == "user:alice-s-best" and store.models()[renamed].owner == ALICE.key
    delete_model(store, TEACHER, names["bob"], set())
    delete_model(store, TEACHER, names["cli"], set())
    delete_model(store, ALICE, renamed, set())
    assert [m for m in vae_core.list_models() if m.startswith("user:")] == [] and store.models() == {}
