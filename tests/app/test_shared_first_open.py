"""A class opening the latent map at once (issue 24, section 3): the visitors who arrive while the shared work is
being computed wait for it instead of computing it again, so each further visitor costs only its own rerun.
Streamlit 1.67's st.cache_data and st.cache_resource hold a lock per cache key while computing
(streamlit/runtime/caching/cache_utils.py, compute_value_lock); this keeps the map's caches on them."""

import threading
import time

from app.latent_map import cache as lmc


def test_visitors_arriving_together_compute_the_gap_samples_once(monkeypatch):
    calls = []
    real = lmc.coverage_samples

    def slow_samples(*args, **kwargs):
        calls.append(threading.current_thread().name)
        time.sleep(0.5)  # the window in which the others arrive
        return real(*args, **kwargs)

    monkeypatch.setattr(lmc, "coverage_samples", slow_samples)
    n_samples = 1_237  # a key no other test (and no disk cache) has seen
    results = []
    visitors = [threading.Thread(target=lambda: results.append(lmc.coverage("mnist-2d", "mnist-5k", n_samples)),
                                 name=f"visitor-{i}") for i in range(8)]
    for v in visitors:
        v.start()
    for v in visitors:
        v.join(timeout=120)
    assert len(results) == 8 and len(calls) == 1
    assert all(len(r.prior_log_ratio) == n_samples for r in results)
