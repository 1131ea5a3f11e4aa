"""Issue 13 on the traversal page: no stale comparisons, one image of the server decode, honest paths and messages."""


from streamlit.testing.v1 import AppTest

from testkit import REPO
from vae_core.latent.traversal import slerp_fallback_reason

PAGE = str(REPO / "app/pages/traversal.py")


def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120).run()


def captions(at):
    return [im.proto.imgs[0].caption for im in at.get("image")]


def test_old_drag_pixels_are_never_compared_with_a_new_z():
    at = page()
    # As after a drag: the browser's pixels of the released z, which here differ from the server's.
    at.session_state.trav_pixels = [0.0] * 784
    at.session_state.trav_pixels_z = list(at.session_state.trav_z)
    at.session_state.trav_seq = 1
    for press in ("start_random", "start_zero"):
        at.button(key=press).click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    assert not any("match" in s.value for s in at.success)


def test_the_server_decode_is_shown_once_not_three_times():
    at = page()
    assert not any(c.startswith("Server decode") for c in captions(at))
    assert "Image as PNG" in [b.proto.label for b in at.get("download_button")]


def test_typed_slerp_defaults_are_not_opposite_and_a_fallback_is_said():
    at = page()
    at.toggle(key="interp_on").set_value(True).run()
    at.radio(key="interp_source").set_value("Two typed z").run()
    at.radio(key="interp_method").set_value("spherical").run()
    assert not at.exception and not at.warning
    assert any(c.startswith("spherical path from z_a") for c in captions(at))
    at.text_input(key="interp_za").set_value(", ".join(["-1"] * 16)).run()
    assert any("opposite" in w.value and "straight line" in w.value for w in at.warning)
    assert any(c.startswith("linear (spherical fell back) path") for c in captions(at))


def test_slerp_fallback_reasons():
    assert slerp_fallback_reason([1.0, 1.0], [-1.0, -1.0]).startswith("the ends are opposite")
    assert slerp_fallback_reason([1.0, 1.0], [2.0, 2.0]).startswith("the ends are parallel")
    assert "origin" in slerp_fallback_reason([0.0, 0.0], [1.0, 0.0])
    assert slerp_fallback_reason([1.0, -1.0], [1.0, 1.0]) is None


def test_clamping_every_dimension_says_all_of_them():
    at = page()
    at.text_input(key="typed_z").input(", ".join(["9"] * 16))
    at.button[[b.label for b in at.button].index("Set z")].click().run()
    assert any("all 16 dimensions were" in w.value for w in at.warning)
    assert not any("z1, z2" in w.value for w in at.warning)


def test_an_out_of_range_image_index_is_refused_aloud():
    at = page()
    before = list(at.session_state.trav_z)
    at.number_input(key="start_index").set_value(999_999)
    at.button[[b.label for b in at.button].index("Start from its mu")].click().run()
    assert not at.exception
    assert any("image index" in e.value and "0 to 4999" in e.value for e in at.error)
    assert at.session_state.trav_z == before


DEPRECATED = "use_container" + "_width"  # spelled in two parts so the repository-wide grep for it stays clean


def test_no_page_uses_the_deprecated_container_width_flag():
    offenders = [str(p) for p in (REPO / "app").rglob("*.py") if DEPRECATED in p.read_text()]
    assert offenders == []
