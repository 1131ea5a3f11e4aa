"""The 1-D page's click log (app/one_d/state.py): untrusted input from the browser, applied once, in order."""

from app.one_d import state as one_d_state


def log(state, *clicks, epoch=None):
    return {"epoch": one_d_state.click_epoch(state) if epoch is None else epoch, "clicks": [list(c) for c in clicks]}


def test_new_clicks_are_applied_once_in_order():
    state = {}
    assert one_d_state.new_clicks(state, log(state, (2, "E"), (1, "M"), (3, "M"))) == ["M", "E", "M"]
    assert one_d_state.applied_click(state) == 3
    assert one_d_state.new_clicks(state, log(state, (2, "E"), (3, "M"))) == []  # already applied
    assert one_d_state.new_clicks(state, log(state, (3, "M"), (4, "C"), (5, "R"))) == ["C", "R"]


def test_a_hostile_or_stale_log_applies_nothing_it_should_not():
    state = {}
    one_d_state.click_epoch(state)
    for bad in (None, "M", [], {"clicks": [[1, "M"]]}, {"epoch": "other", "clicks": [[1, "M"]]},
                log(state, (1, "X")), log(state, (True, "M")), log(state, (1.5, "M")), log(state, (-1, "M")),
                {"epoch": one_d_state.click_epoch(state), "clicks": "MEM"},
                {"epoch": one_d_state.click_epoch(state), "clicks": [[1, "M", "extra"], "M", 3]}):
        assert one_d_state.new_clicks(state, bad) == [], bad
    assert one_d_state.applied_click(state) == 0


def test_at_most_max_clicks_are_taken_from_one_log():
    state = {}
    many = [(n, "E") for n in range(1, 10 * one_d_state.MAX_CLICKS)]
    assert len(one_d_state.new_clicks(state, log(state, *many))) == one_d_state.MAX_CLICKS
