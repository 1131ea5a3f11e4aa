"""The app freezes the long-lived heap once per batch of new imports, and only then."""

import gc
import sys
import types

from app.common import gc_freeze as gc_freeze


def test_freezes_after_new_imports_and_not_on_every_run(monkeypatch):
    monkeypatch.setattr(gc_freeze, "_modules_frozen", 0)
    try:
        gc_freeze.freeze_after_new_imports()
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # pytest, torch and the rest of this process
        held = [object() for _ in range(3)], {"a": []}  # new containers, not frozen by a plain rerun
        gc_freeze.freeze_after_new_imports()
        assert gc.get_freeze_count() == frozen
        monkeypatch.setitem(sys.modules, "a_page_dependency", types.ModuleType("a_page_dependency"))
        gc_freeze.freeze_after_new_imports()
        assert gc.get_freeze_count() > frozen
        del held
    finally:
        gc.unfreeze()
