"""The training page shared by a class, under AppTest: the form's limits, storage checked before a run and
before an upload, the per-address backstop, whose model is whose, and runs numbered per visitor."""

import pytest

import vae_core
from testkit.apptest import assert_ok, error_messages, new_page
from vae_core.vae.archive import export_archive
from vae_core.vae.registry import resolve
from vae_core.vae.user_models import list_user_models


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))
    return tmp_path


def _page(**state):
    at = new_page("training", timeout=90, **{"tr_hidden": "16", "tr_epochs": 1, **state})
    return at.run()


def _start(at):
    at.button(key="tr_start").click().run()
    return at


def _finish():
    from app.training.session import get_manager

    mgr = get_manager()
    for run in mgr.queue():
        mgr.stop(run.owner, run.id)
    mgr.join(timeout=120)
    return mgr


def test_the_form_refuses_a_run_beyond_the_budget_and_names_the_limit(monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_RUN_IMAGE_EPOCHS", "5000")
    at = _start(_page(tr_epochs=10))  # digits: 1,617 training images x 10 epochs
    (message,) = error_messages(at)
    assert message.startswith("this run asks for 10 epochs x 1,617 training images = 16,170 image passes; the limit")
    assert "VAE_EXPLORER_RUN_IMAGE_EPOCHS" in message and "at most 3 epochs of digits" in message
    assert "/" not in message  # no server path
    at.session_state["tr_epochs"] = 3
    _start(at)
    assert_ok(at)
    _finish()


def test_storage_is_checked_before_a_run_starts_and_before_an_upload_is_stored(monkeypatch, data_dir):
    monkeypatch.setenv("VAE_EXPLORER_VISITOR_QUOTA_MB", "0.02")
    at = _start(_page(tr_hidden="256"))
    (message,) = error_messages(at)
    assert "each visitor may keep on this server (VAE_EXPLORER_VISITOR_QUOTA_MB)" in message and "/" not in message
    assert list_user_models() == [] and not (data_dir / "mine").exists()  # nothing trained, nothing reserved
    at.file_uploader(key="tr_upload").set_value(
        ("digits.zip", export_archive(resolve("digits-2d"), name="digits-2d"), "application/zip")).run()
    (message,) = error_messages(at)
    assert "each visitor may keep on this server" in message
    assert list_user_models() == []
    monkeypatch.setenv("VAE_EXPLORER_VISITOR_QUOTA_MB", "50")
    at.file_uploader(key="tr_upload").set_value(
        ("digits-again.zip", export_archive(resolve("digits-2d"), name="digits-2d"), "application/zip")).run()
    assert_ok(at)
    assert [m.startswith("user:digits-again-") for m in list_user_models()] == [True]


def test_the_address_backstop_stops_many_private_windows(monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_RUNS_PER_ADDRESS", "1")
    monkeypatch.setattr("app.common.identity._connection", lambda: ("203.0.113.9", []))
    first = _start(_page(tr_epochs=500))
    assert_ok(first)
    window = _start(_page())  # a private window: a new visitor, the same address
    (message,) = error_messages(window)
    assert message.startswith("1 runs from your network address are already queued or training")
    assert "VAE_EXPLORER_RUNS_PER_ADDRESS" in message
    monkeypatch.setattr("app.common.identity._connection", lambda: ("198.51.100.4", []))
    assert_ok(_start(_page()))  # someone else, elsewhere
    _finish()


def test_run_numbers_count_per_visitor_and_a_reopened_run_shows_its_own_settings():
    from app.training.session import get_manager

    _start(_page())
    _start(_page())
    get_manager().join(timeout=120)
    fresh = _start(_page(tr_latent=3, tr_seed=7))
    get_manager().join(timeout=120)
    fresh.run()
    assert_ok(fresh)
    assert fresh.query_params["run"] == "1"
    assert any(p.proto.text.startswith("Run 1 (digits, d=3, Bernoulli, KL weight 1)") for p in fresh.get("progress"))
    reopened = new_page("training", timeout=90)
    reopened.query_params["visitor"] = fresh.session_state["visitor_browser"]
    reopened.query_params["run"] = "1"
    reopened.run()
    assert_ok(reopened)
    s = reopened.session_state
    assert (s["tr_latent"], s["tr_hidden"], s["tr_epochs"], s["tr_seed"]) == (3, "16", 1, 7)  # not the defaults
    assert any("Settings of run 1: digits, d=3" in c.value for c in reopened.caption)


def test_a_visitors_model_is_theirs_alone_others_see_a_class_model_or_nothing_in_private_mode(monkeypatch):
    from app.training.session import get_manager

    owner = _start(_page())
    get_manager().join(timeout=120)
    owner.run()
    (name,) = list_user_models()
    bare = name[len("user:"):]
    assert f"★ {bare} (yours)" in owner.selectbox(key="tr_download_model").options
    other = _page()
    assert f"{bare} (class)" in other.selectbox(key="tr_download_model").options
    assert not any("★" in o for o in other.selectbox(key="tr_download_model").options)
    monkeypatch.setenv("VAE_EXPLORER_PRIVATE_MODELS", "true")
    assert f"{bare} (class)" not in _page().selectbox(key="tr_download_model").options
    owner.run()
    assert f"★ {bare} (yours)" in owner.selectbox(key="tr_download_model").options


def test_a_visitor_renames_and_deletes_their_model_and_the_teacher_deletes_anyones():
    from app.training.session import get_manager

    owner = _start(_page())
    get_manager().join(timeout=120)
    owner.run()
    (name,) = list_user_models()
    owner.text_input(key="tr_rename_to").input("My first VAE").run()
    owner.button(key="tr_rename").click().run()
    assert_ok(owner)
    assert list_user_models() == ["user:my-first-vae"]
    assert "Renamed to ★ my-first-vae." in [s.value for s in owner.success]
    stranger = _page()
    assert not [s for s in stranger.selectbox if s.key == "tr_my_model"]  # nothing of theirs to rename
    teacher = new_page("training", timeout=90)
    teacher.secrets["vae_explorer"] = {"admin_code": "owl-42"}
    teacher.run()
    assert not [b for b in teacher.button if b.key == "tr_admin_delete"]
    teacher.text_input(key="tr_admin_code").input("wrong").run()
    teacher.button(key="tr_admin_enter").click().run()
    assert "that is not the admin code" in error_messages(teacher)
    teacher.text_input(key="tr_admin_code").input("owl-42").run()
    teacher.button(key="tr_admin_enter").click().run()
    assert_ok(teacher)
    teacher.selectbox(key="tr_admin_model").select("user:my-first-vae").run()
    teacher.button(key="tr_admin_delete").click().run()
    assert_ok(teacher)
    assert list_user_models() == [] and "user:my-first-vae" not in vae_core.list_models()


def test_a_class_code_gates_training_and_wrong_codes_run_out(monkeypatch):
    monkeypatch.setattr("app.common.identity._connection", lambda: ("203.0.113.20", []))
    at = new_page("training", timeout=90, tr_hidden="16", tr_epochs=1)
    at.secrets["vae_explorer"] = {"class_code": "blue-heron"}
    at.run()
    assert at.button(key="tr_start").disabled
    for _ in range(5):
        at.text_input(key="tr_class_code").input("red-heron")  # typed, then submitted with the form
        at.button[[b.label for b in at.button].index("Enter")].click().run()
    assert "too many wrong codes: try again in ten minutes" in error_messages(at)
    again = new_page("training", timeout=90)  # a new window from the same address: still locked out
    again.secrets["vae_explorer"] = {"class_code": "blue-heron"}
    again.run()
    again.text_input(key="tr_class_code").input("blue-heron")  # typed, then submitted with the form
    again.button[[b.label for b in again.button].index("Enter")].click().run()
    assert again.button(key="tr_start").disabled
    monkeypatch.setattr("app.common.identity._connection", lambda: ("203.0.113.21", []))
    ok = new_page("training", timeout=90)
    ok.secrets["vae_explorer"] = {"class_code": "blue-heron"}
    ok.run()
    ok.text_input(key="tr_class_code").input("blue-heron")  # typed, then submitted with the form
    ok.button[[b.label for b in ok.button].index("Enter")].click().run()
    assert not ok.button(key="tr_start").disabled


def test_with_st_login_a_visitor_is_their_email_and_must_sign_in_to_train():
    from app.training.session import get_manager

    auth = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s", "client_id": "c",
            "client_secret": "x", "server_metadata_url": "https://example.org/.well-known/openid-configuration"}
    anonymous = new_page("training", timeout=90)
    anonymous.secrets["auth"] = auth
    anonymous.user = {"is_logged_in": False}
    anonymous.run()
    assert [b.label for b in anonymous.button if b.key == "tr_login"] == ["Sign in"]
    assert anonymous.button(key="tr_start").disabled
    ada = new_page("training", timeout=90, tr_hidden="16", tr_epochs=1)
    ada.secrets["auth"] = auth
    ada.user = {"is_logged_in": True, "email": "Ada@School.org"}
    ada.run()
    _start(ada)
    assert_ok(ada)
    assert [r.number for r in get_manager().runs_of("login:ada@school.org")] == [1]
    _finish()


def test_only_the_teacher_sees_the_queue_with_who_waits_and_from_where(monkeypatch):
    monkeypatch.setattr("app.common.identity._connection", lambda: ("203.0.113.30", []))
    student = _start(_page(tr_epochs=500))
    assert_ok(student)
    student_id = student.session_state["visitor_browser"]
    peer = new_page("training", timeout=90)
    peer.secrets["vae_explorer"] = {"admin_code": "owl-42"}
    peer.run()
    assert not [d for d in peer.dataframe if d.key == "tr_queue_table"]  # no code typed: no queue
    peer.text_input(key="tr_admin_code").input("owl-42").run()
    peer.button(key="tr_admin_enter").click().run()
    assert_ok(peer)
    (table,) = [d.value for d in peer.dataframe]
    assert list(table["visitor"]) == [f"browser {student_id[:8]}"]
    assert list(table["address"]) == ["203.0.113.30"] and list(table["place"]) == ["training"]
    _finish()
