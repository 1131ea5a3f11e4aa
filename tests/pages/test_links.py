"""Every view is a link (AppTest): a page opened with parameters in its address shows that view, a change is
written back to the address, and hostile parameters fall back to the defaults with a one-line notice, never a
traceback or a server path."""

from testkit.apptest import assert_ok, new_page


def opened(page: str, **params):
    at = new_page(page)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def notices(at) -> list[str]:
    return [i.value for i in at.info if i.value.startswith("The link's ")]


def decoded_z(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("decoded z"))


def test_a_latent_map_link_opens_its_model_view_tau_and_clicked_point():
    at = opened("latent_map", model="mnist-16d", view="dims", dx="3", dy="5", tau="4", at="0.5,-1")
    assert_ok(at)
    assert not notices(at)
    state = at.session_state
    assert (state["map_model"], state["map_view"], state["map_tau"]) == ("mnist-16d", "dims", 4.0)
    # the clicked point of the plane of dimensions 3 and 5, the other directions at 0
    assert decoded_z(at) == "decoded z = `[0.0, 0.0, 0.5, 0.0, -1.0" + ", 0.0" * 11 + "]`"
    assert dict(at.query_params)["at"] == "0.5,-1"
    at.select_slider(key="map_tau").set_value(8.0).run()
    assert dict(at.query_params)["tau"] == "8", "the latent map does not write a τ moved back to its address"
    at = opened("tradeoff")
    at.select_slider(key="tradeoff_tau").set_value(8.0).run()
    assert dict(at.query_params)["tau"] == "8", "a change is not written back to the address"


def test_hostile_latent_map_parameters_fall_back_with_a_notice():
    at = opened("latent_map", model="../../etc/passwd", tau="1e308", at="nan,1", data="/etc/shadow",
                view="dims", dx="99")
    assert_ok(at)
    said = " ".join(notices(at))
    assert "model=..?..?etc?passwd is not a model on this server" in said
    assert "tau=1e308 is not a number from 0 to 40" in said and "at=nan,1" in said and "data=?etc?shadow" in said
    assert at.session_state["map_model"] == "mnist-2d" and at.session_state["map_tau"] == 2.0
    assert "at" not in dict(at.query_params)  # a refused point is taken out of the address


def test_a_latent_map_link_opens_its_section_and_only_that_section_runs():
    at = opened("latent_map", model="digits-2d", section="posterior")
    assert_ok(at)
    headings = [h.value for h in at.subheader]
    assert "The true posterior of one image" in headings, headings
    assert not any(h.startswith(("Prior samples", "Manifold", "A prior fitted")) for h in headings), headings
    assert dict(at.query_params)["section"] == "posterior"
    at.session_state["map_section"] = "Manifold grid"  # the browser switching tabs
    at.run()
    assert [h.value for h in at.subheader if h.value.startswith(("Manifold", "The true"))] == ["Manifold grid"]
    assert dict(at.query_params)["section"] == "manifold"
    at = opened("latent_map", model="mnist-16d", section="posterior")  # a 16-D latent has no exact posterior
    assert_ok(at)
    assert "section=posterior is not one of samples, em, manifold" in " ".join(notices(at))
    assert any(h.value.startswith("Prior samples") for h in at.subheader) and "section" not in dict(at.query_params)


def test_a_16d_link_with_a_dimension_out_of_range_falls_back():
    at = opened("latent_map", model="mnist-16d", view="dims", dx="99", dy="0")
    assert_ok(at)
    said = " ".join(notices(at))
    assert "dx=99 is not a whole number from 1 to 16" in said and "dy=0" in said
    assert (at.session_state["map_dim_x"], at.session_state["map_dim_y"]) == (1, 2)


def test_a_traversal_link_opens_its_model_and_z_and_a_typed_z_is_written_back():
    at = opened("traversal", model="mnist-16d", z=",".join(["0.5"] + ["-1"] * 15))
    assert_ok(at)
    assert at.session_state["traversal_model"] == "mnist-16d"
    assert at.session_state["trav_z"] == [0.5] + [-1.0] * 15 and at.session_state["trav_source"] == "link"
    at = opened("traversal")
    at.text_input(key="typed_z").set_value("1.5, -2")
    at.button[[b.label for b in at.button].index("Set z")].click().run()
    assert dict(at.query_params)["z"] == "1.5,-2"


def test_hostile_traversal_parameters_fall_back_with_a_notice():
    for z in ("nan,inf", "1e400,0", "1,2,3", "9" * 10_000):
        at = opened("traversal", model="mnist-2d/../../x", z=z)
        assert_ok(at)
        said = " ".join(notices(at))
        assert "is not a model on this server" in said and "The link's z=" in said
        assert at.session_state["trav_z"] == [0.0, 0.0]


def test_a_one_d_link_opens_its_mixture_and_em_settings():
    at = opened("one_d", k="2", seed="5", n="1000", init="random", m0="-3", test="0.3")
    assert_ok(at)
    assert not notices(at)
    state = at.session_state
    assert (state["k"], state["seed"], state["n"], state["init"]) == (2, 5, 1000, "random")
    assert state["m0"] == -3.0 and abs(state["test_fraction"] - 0.3) < 1e-9
    at.number_input(key="k").set_value(4).run()
    assert dict(at.query_params)["k"] == "4"


def test_hostile_one_d_parameters_fall_back_with_a_notice():
    at = opened("one_d", k="999", init="__import__('os')", n="1e9", m0="inf", test="nan", seed="-1")
    assert_ok(at)
    said = " ".join(notices(at))
    for name in ("k=999", "n=1e9", "m0=inf", "test=nan", "seed=-1", "init=__import__?"):
        assert f"The link's {name}" in said, name
    assert (at.session_state["k"], at.session_state["n"], at.session_state["init"]) == (3, 4000, "kmeans++")


def test_an_inside_link_opens_its_image_and_number_of_draws():
    at = opened("inside", image="12", m="10")
    assert_ok(at)
    assert at.session_state["inside_index"] == 12 and at.session_state["inside_mc_m"] == 10
    at = opened("inside", image="99999999", m="0")
    assert_ok(at)
    said = " ".join(notices(at))
    assert "image=99999999 is not a whole number from 0 to 4999" in said and "m=0 is not" in said
    assert at.session_state["inside_index"] == 0 and at.session_state["inside_mc_m"] == 100
    at = opened("inside", source="Upload")
    assert_ok(at)
    assert at.session_state["inside_source"] == "Upload" and not notices(at)


def test_a_training_link_fills_in_the_form_and_a_change_is_written_back():
    at = opened("training", latent="16", likelihood="gaussian", beta="0.1", conditional="1", hidden="256,128")
    assert_ok(at)
    state = at.session_state
    assert (state["tr_latent"], state["tr_likelihood"], state["tr_beta"], state["tr_conditional"]) == (
        16, "gaussian", 0.1, True)
    assert state["tr_hidden"] == "256,128"
    at.number_input(key="tr_epochs").set_value(12).run()
    assert dict(at.query_params)["epochs"] == "12" and dict(at.query_params)["latent"] == "16"


def test_hostile_training_parameters_fall_back_with_a_notice():
    at = opened("training", epochs="99999999999999999999999", hidden="1" * 300, beta="-1", data="idx:/etc/passwd",
                conditional="yes")
    assert_ok(at)
    said = " ".join(notices(at))
    for name in ("epochs=", "hidden=", "beta=-1", "data=idx?", "conditional=yes"):
        assert f"The link's {name}" in said, name
    assert at.session_state["tr_epochs"] == 10 and at.session_state["tr_data"] == "digits"


def test_a_traversal_link_opens_its_interpolation():
    at = opened("traversal", interp="1", ends="images", a="3", b="40", path="spherical", steps="5")
    assert_ok(at)
    state = at.session_state
    assert state["interp_on"] is True and state["interp_source"] == "Two data-set images"
    assert (state["interp_a"], state["interp_b"], state["interp_method"], state["interp_steps"]) == (
        3, 40, "spherical", 5)
    at = opened("traversal", interp="1", ends="typed", za="0.5,0.5", zb="-1,2")
    assert_ok(at)
    assert (at.session_state["interp_za"], at.session_state["interp_zb"]) == ("0.5,0.5", "-1,2")
    at = opened("traversal", interp="yes", ends="uploads", za="nan,1")
    assert_ok(at)
    said = " ".join(notices(at))
    assert "interp=yes is not 0 or 1" in said and at.session_state["interp_on"] is False
