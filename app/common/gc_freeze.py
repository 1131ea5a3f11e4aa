"""Keep Python's cyclic garbage collector off the objects that live as long as the server.

torch, plotly, scipy and scikit-learn leave about 300,000 container objects behind
once imported. A full collection walks all of them and stops every thread for about
200 ms on a 2-core machine, and interactive reruns trigger one about once a second:
that stall was most of the server time of a click on the latent map. Frozen objects
are still freed by reference counting; only reference cycles among them are never
collected, and module-level objects live for the whole process anyway.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_frozen = 0


def freeze_after_new_imports() -> None:
    """Freeze the heap after a run that imported new modules (a page's first visit)."""
    global _modules_frozen
    if len(sys.modules) <= _modules_frozen:
        return
    with _lock:
        if len(sys.modules) > _modules_frozen:
            gc.collect()  # garbage cycles made so far are freed, not frozen
            gc.freeze()
            _modules_frozen = len(sys.modules)
