"""A data set spec a visitor types that used to reach Streamlit's generic error box: a NUL byte, a symlink
loop inside a data root. Each is one st.error line, and the page goes on working."""

import pytest

from testkit.apptest import new_page


def spec_page(spec: str):
    at = new_page("latent_map", timeout=120)
    at.session_state["map_model"] = "digits-2d"
    at.session_state["map_data"] = "other (idx:PATH or folder:PATH)…"
    at.session_state["map_spec"] = spec
    return at.run()


@pytest.mark.parametrize("spec, fragment", [("idx:/tmp/\x00x", "NUL byte"), ("folder:{root}/loop", "not a folder"),
                                            ("idx:{root}/\x00", "NUL byte")], ids=["nul", "loop", "nul-in-root"])
def test_the_visitor_sees_one_line(monkeypatch, tmp_path, spec, fragment):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    monkeypatch.setenv("VAE_EXPLORER_DATA_ROOTS", str(tmp_path))
    at = spec_page(spec.format(root=tmp_path))
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and fragment in errors[0], errors
    assert at.sidebar.selectbox(key="map_model").value == "digits-2d"
