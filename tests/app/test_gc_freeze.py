"""The app freezes the long-lived heap once per batch of new imports, and only then.

Whether an object was frozen is read from `gc.get_objects()`, which lists the three
collected generations and not the permanent one. `gc.get_freeze_count()` is not a
safe witness: a frozen object freed by reference counting (by another thread, at any
moment) leaves the permanent generation, so the count can fall between two reads.
"""

import gc
import sys
import types

from app.common import gc_freeze as gc_freeze


def _collected(obj) -> bool:
    """True while the cyclic collector still walks `obj` (it is not frozen)."""
    return any(o is obj for o in gc.get_objects())


def test_freezes_after_new_imports_and_not_on_every_run(monkeypatch):
    monkeypatch.setattr(gc_freeze, "_modules_frozen", 0)
    try:
        before = [object()]
        gc_freeze.freeze_after_new_imports()
        assert gc.get_freeze_count() > 10_000  # pytest, torch and the rest of this process
        assert not _collected(before)
        held = [object()]  # a new container: a plain rerun must not freeze it
        gc_freeze.freeze_after_new_imports()
        assert _collected(held)
        monkeypatch.setitem(sys.modules, "a_page_dependency", types.ModuleType("a_page_dependency"))
        gc_freeze.freeze_after_new_imports()
        assert not _collected(held)
    finally:
        gc.unfreeze()
