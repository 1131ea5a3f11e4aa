"""A writer killed during a save (kill -9) leaves its atomic-write temporary behind; these are removed once
their writer is dead, so they neither pile up nor count against the user models quota."""

import os
import subprocess
import sys
import textwrap

import pytest

from testkit import REPO
from vae_core import fileio
from vae_core.fileio import atomic_write_bytes, remove_stale_temporaries
from vae_core.vae.checkpoint import save_checkpoint
from vae_core.vae.user_models import check_quota, reserve_name, used_bytes


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_EXPLORER_MODELS", str(tmp_path / "models"))
    return tmp_path / "models"


def _killed_mid_save(target) -> None:
    """A real process that saves a checkpoint to `target` and is SIGKILLed just before its rename."""
    code = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(REPO)!r})
        from vae_core.vae.config import VAEConfig
        from vae_core.vae.model import VAE
        from vae_core.vae.checkpoint import save_checkpoint
        os.replace = lambda src, dst: os.kill(os.getpid(), signal.SIGKILL)
        save_checkpoint(VAE(VAEConfig(image_shape=(4, 4), latent_dim=2, hidden=(64,))), {str(target)!r})
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()[-500:]


def _temporaries(path):
    return sorted(p.name for p in path.iterdir() if p.name.endswith(".tmp"))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_save_killed_mid_write_leaves_a_temporary_that_carries_its_pid(folder):
    _, path = reserve_name("killed")
    _killed_mid_save(path)
    left = _temporaries(path)
    assert len(left) == 1 and left[0].startswith(".model.safetensors.w")
    assert fileio.TEMPORARY.match(left[0])


def test_the_quota_neither_counts_nor_keeps_a_dead_writers_temporaries(folder, monkeypatch):
    _, path = reserve_name("killed")
    _killed_mid_save(path)
    size = sum(p.stat().st_size for p in path.iterdir())
    assert size > 10_000
    monkeypatch.setenv("VAE_EXPLORER_MODELS_QUOTA_MB", str(5_000 / 2**20))
    check_quota(1_000)  # the ~17 KB the killed writer left are not counted: they are removed
    assert _temporaries(path) == [] and used_bytes() == 0


def test_the_next_save_to_the_checkpoint_removes_what_a_killed_save_left(tmp_path, tiny_model):
    target = tmp_path / "ck"
    _killed_mid_save(target)
    assert _temporaries(target)
    save_checkpoint(tiny_model, target)
    assert _temporaries(target) == []


def test_only_dead_writers_temporaries_are_removed(tmp_path):
    host = fileio._HOST
    dead = tmp_path / f".model.json.w{_dead_pid()}-{host}.abc123.tmp"
    mine = tmp_path / f".model.json.w{os.getpid()}-{host}.def456.tmp"
    elsewhere = tmp_path / f".model.json.w{_dead_pid()}-otherhost.ghi789.tmp"
    unrelated = tmp_path / "notes.tmp"
    for p in (dead, mine, elsewhere, unrelated):
        p.write_bytes(b"x")
    assert remove_stale_temporaries(tmp_path) == 1
    assert not dead.exists() and mine.exists() and elsewhere.exists() and unrelated.exists()


def test_a_temporary_in_use_is_not_removed(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def replace(src, dst):  # while this process writes, its own temporary is live
        remove_stale_temporaries(tmp_path)
        seen.append(os.path.exists(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    atomic_write_bytes(tmp_path / "f.bin", b"data")
    assert seen == [True] and (tmp_path / "f.bin").read_bytes() == b"data"


def test_a_save_under_the_writer_lock_also_removes_temporaries_named_before_they_carried_a_pid(tmp_path,
                                                                                                 tiny_model):
    target = tmp_path / "ck"
    target.mkdir()
    legacy = [target / ".model.json.k2j4h_9a.tmp", target / ".model.safetensors.0abc_xyz.tmp"]
    other = target / ".notes.txt.abcdefgh.tmp"  # not this checkpoint's file: left alone
    for p in (*legacy, other):
        p.write_bytes(b"x")
    save_checkpoint(tiny_model, target)
    assert _temporaries(target) == [other.name]
