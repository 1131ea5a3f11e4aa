"""Fair shares of one server: the queue, each visitor's and each address's part of it, a run's budget, and
storage checked before a run starts. Each refusal is one line naming the limit, and nothing is written."""

import time

import pytest

from app.common.class_settings import ClassSettings, load_settings
from app.training.admission import MAX_QUEUED, LimitError, check_storage, checkpoint_bytes
from app.training.worker import TrainingManager
from testkit.training import toy_config, toy_data
from vae_core.errors import ConfigError
from vae_core.vae.train import model_config
from vae_core.vae.user_models import UserModelsFullError, list_user_models, user_models_dir

OPEN = ClassSettings(runs_per_address=0, run_image_epochs=0, run_cpu_minutes=0)


@pytest.fixture(autouse=True)
def models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "mine"))


_data, _cfg = toy_data, toy_config



def _long(mgr, owner, address=None, settings=OPEN):
    return mgr.submit(owner, _cfg(epochs=10_000), _data(), address=address, settings=settings)


def _stop_all(mgr):
    for run in mgr.queue():
        mgr.stop(run.owner, run.id)
    mgr.join()


def test_the_queue_holds_twenty_server_wide():
    mgr = TrainingManager(max_running=1, processes=False, settings=OPEN)
    first = _long(mgr, "v0")
    waiting = [_long(mgr, f"v{i}") for i in range(1, MAX_QUEUED + 1)]
    assert all(r.state == "queued" for r in waiting) and first.state == "running"
    with pytest.raises(LimitError, match=f"the training queue is full \\({MAX_QUEUED} waiting\\)"):
        _long(mgr, "late")
    assert mgr.runs_of("late") == []
    _stop_all(mgr)


def test_a_visitor_has_one_run_training_and_one_waiting_and_the_second_never_trains_beside_the_first():
    mgr = TrainingManager(max_running=3, processes=False, settings=OPEN)
    first = _long(mgr, "alice")
    second = _long(mgr, "alice")
    time.sleep(0.3)
    assert (first.state, second.state) == ("running", "queued")  # free slots, but alice already trains one
    with pytest.raises(LimitError, match="1 run.s. training and 1 waiting, the most one visitor may have"):
        _long(mgr, "alice")
    other = _long(mgr, "bob")  # bob takes a free slot at once
    assert other.state == "running"
    mgr.stop("alice", first.id)
    deadline = time.time() + 20
    while second.state != "running" and time.time() < deadline:
        time.sleep(0.02)
    assert second.state == "running"
    _stop_all(mgr)


def test_a_visitor_waiting_behind_someone_else_has_one_place_in_the_queue_not_more():
    """Failed before: with the server busy with bob's run, alice had none training, so her waiting runs were
    never counted and she could fill the queue alone."""
    mgr = TrainingManager(max_running=1, processes=False, settings=OPEN)
    _long(mgr, "bob")
    waiting = _long(mgr, "alice")
    assert waiting.state == "queued"
    with pytest.raises(LimitError, match="1 run.s. waiting in the queue, the most one visitor may have .*"
                                         "VAE_EXPLORER_QUEUED_PER_VISITOR"):
        _long(mgr, "alice")
    assert mgr.runs_of("alice") == [waiting]
    _stop_all(mgr)


def test_many_private_windows_from_one_address_hit_the_address_backstop():
    per_address = ClassSettings(runs_per_address=3, run_image_epochs=0, run_cpu_minutes=0)
    mgr = TrainingManager(max_running=1, processes=False, settings=per_address)
    for window in range(3):  # each private window is a new visitor id
        _long(mgr, f"window-{window}", address="203.0.113.7", settings=per_address)
    with pytest.raises(LimitError, match="3 runs from your network address .*VAE_EXPLORER_RUNS_PER_ADDRESS"):
        _long(mgr, "window-3", address="203.0.113.7", settings=per_address)
    _long(mgr, "elsewhere", address="198.51.100.2", settings=per_address)  # another address is not affected
    _long(mgr, "on-the-server", address=None, settings=per_address)  # nor a visitor with no address known
    _stop_all(mgr)


def test_signed_in_visitors_behind_one_address_are_counted_by_email_not_by_the_address():
    """A school's NAT: every student has one address. Signed in, each is known by e-mail, so the backstop
    (meant for anonymous private windows) neither refuses them nor counts their runs against the browsers."""
    per_address = ClassSettings(runs_per_address=1, run_image_epochs=0, run_cpu_minutes=0)
    mgr = TrainingManager(max_running=1, processes=False, settings=per_address)
    nat = "192.0.2.1"
    for student in ("ada", "bea", "cy"):
        _long(mgr, f"login:{student}@school.org", address=nat, settings=per_address)
    _long(mgr, "a" * 32, address=nat, settings=per_address)  # an anonymous browser: the first from there
    with pytest.raises(LimitError, match="1 runs from your network address"):
        _long(mgr, "b" * 32, address=nat, settings=per_address)
    _stop_all(mgr)


def test_a_run_beyond_the_budget_is_refused_naming_the_limit():
    budget = ClassSettings(run_image_epochs=600)
    mgr = TrainingManager(processes=False, settings=budget)
    with pytest.raises(LimitError) as info:  # 60 training images x 11 epochs = 660 > 600
        mgr.submit("alice", _cfg(epochs=11), _data(), settings=budget)
    assert str(info.value) == ("this run asks for 11 epochs x 60 training images = 660 image passes; the limit per "
                               "run on this server is 600 (VAE_EXPLORER_RUN_IMAGE_EPOCHS): at most 10 epochs of toy")
    run = mgr.submit("alice", _cfg(epochs=10), _data(), settings=budget)
    mgr.join()
    assert run.state == "done" and mgr.runs_of("alice") == [run]


def test_a_run_that_uses_its_cpu_minutes_is_stopped_and_saved():
    minutes = ClassSettings(run_cpu_minutes=0.01, runs_per_address=0, run_image_epochs=0)  # 0.6 s of CPU
    mgr = TrainingManager(processes=False, settings=minutes)
    run = mgr.submit("alice", _cfg(epochs=10_000), _data(), settings=minutes)
    mgr.join(timeout=120)
    assert run.state == "stopped" and run.saved and "limit of 0.01 CPU-minutes" in run.message
    assert 1 <= len(run.history) < 100_000


def test_the_visitors_quota_is_checked_before_the_run_starts():
    big = _cfg(hidden=(512, 512))
    need = checkpoint_bytes(big, _data())
    assert 4 * model_config(big, _data()).num_parameters < need < 4 * model_config(big, _data()).num_parameters + 2**15
    quota = ClassSettings(visitor_quota_mb=1.0)
    mgr = TrainingManager(processes=False, settings=quota)
    with pytest.raises(LimitError) as info:
        mgr.submit("alice", big, _data(), settings=quota)
    assert str(info.value) == ("your models take 0.0 MB of the 1 MB each visitor may keep on this server "
                               f"(VAE_EXPLORER_VISITOR_QUOTA_MB), and this one needs {need / 2**20:.1f} MB more: "
                               "delete one of your models (My models) first")
    with pytest.raises(LimitError, match="your models take 1.0 MB"):  # what the visitor already keeps counts
        mgr.submit("alice", _cfg(), _data(), settings=quota, owner_usage=2**20)
    assert mgr.runs_of("alice") == [] and list_user_models() == [] and not user_models_dir().exists()


def test_the_servers_quota_is_checked_before_the_run_starts_and_counts_runs_in_flight(monkeypatch):
    need = checkpoint_bytes(_cfg(hidden=(256,), epochs=50), _data())
    monkeypatch.setenv("VAE_EXPLORER_MODELS_QUOTA_MB", str(1.5 * need / 2**20))
    mgr = TrainingManager(max_running=1, processes=False, settings=OPEN)
    first = mgr.submit("alice", _cfg(hidden=(256,), epochs=50), _data(), settings=OPEN)
    with pytest.raises(UserModelsFullError):  # its space is promised, even before its first checkpoint
        mgr.submit("bob", _cfg(hidden=(256,), epochs=50), _data(), settings=OPEN)
    assert mgr.runs_of("bob") == []
    with pytest.raises(UserModelsFullError):  # and an upload of that size is refused too
        check_storage(checkpoint_bytes(_cfg(hidden=(256,)), _data()), "carol", 0, mgr.queue(), OPEN)
    mgr.stop("alice", first.id)
    mgr.join()


def test_settings_come_from_the_environment_then_secrets_then_defaults():
    assert load_settings({}, {}) == ClassSettings()
    got = load_settings({"runs_per_address": 2, "class_code": "owl", "admin_emails": ["T@School.org"]},
                        {"VAE_EXPLORER_RUNS_PER_ADDRESS": "4", "VAE_EXPLORER_PRIVATE_MODELS": "yes",
                         "VAE_EXPLORER_CLASS_CODE": "ignored: codes are read from secrets.toml only"})
    assert (got.runs_per_address, got.private_models, got.class_code, got.admin_emails) == (4, True, "owl",
                                                                                            ("t@school.org",))
    with pytest.raises(ConfigError, match="VAE_EXPLORER_VISITOR_QUOTA_MB .* must be a number"):
        load_settings({}, {"VAE_EXPLORER_VISITOR_QUOTA_MB": "lots"})
    with pytest.raises(ConfigError, match="must be a finite number >= 0"):
        load_settings({"run_cpu_minutes": -1}, {})
