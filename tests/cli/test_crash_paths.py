"""CLI inputs that used to end in a traceback (or ran for ever, or wrote somewhere unexpected): each is one
`error:` line now. Run in-process to stay fast."""

import errno
import os
import shutil
from collections import namedtuple

import pytest

import vae_core.cli.args as cli_args
from vae_core.cli.main import build_parser, main
from vae_core.vae.train_config import MAX_EPOCHS


def one_line(capsys, argv, *fragments) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        code = exc.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code not in (0, None) and len(err) == 1 and err[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in err[0], err[0]
    return err[0]


@pytest.fixture
def points(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("x\n" + "\n".join(str(v) for v in range(20)) + "\n")
    return str(path)


SEED_COMMANDS = {
    "fit1d": lambda p, o: ["fit1d", p, "--vae-steps", "10"],
    "evaluate": lambda p, o: ["evaluate", "--model", "digits-2d", "--data", "digits", "--k", "2", "--limit", "2"],
    "classify": lambda p, o: ["classify", "--model", "mnist-cvae-2d", "--k", "2", p],
    "train": lambda p, o: ["train", "--data", "digits", "--epochs", "1", "--out", o],
}


@pytest.mark.parametrize("seed", ["-1", str(2**32), "99999999999999999999999", "1.5", "0x10"])
@pytest.mark.parametrize("command", list(SEED_COMMANDS))
def test_every_subcommand_refuses_a_bad_seed_alike(capsys, tmp_path, points, command, seed):
    out = tmp_path / "model"
    message = one_line(capsys, [*SEED_COMMANDS[command](points, str(out)), "--seed", seed], "--seed")
    assert message.split(" (see ")[0] == f"error: argument --seed: must be an integer from 0 to 2**32 - 1, got {seed!r}"
    assert not out.exists()


def test_every_seed_flag_uses_the_shared_validator():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    seeded = {name: [a for a in p._actions if "--seed" in a.option_strings] for name, p in sub.choices.items()}
    with_seed = {name for name, actions in seeded.items() if actions}
    assert with_seed == set(SEED_COMMANDS)
    assert all(actions[0].type is cli_args.seed_int for actions in seeded.values() if actions)


def test_train_refuses_an_empty_out_instead_of_writing_into_the_current_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for out in ("", "  "):
        one_line(capsys, ["train", "--data", "digits", "--epochs", "1", "--quiet", "--out", out], "--out")
    assert list(tmp_path.iterdir()) == []


def test_train_caps_the_epochs(capsys, tmp_path):
    one_line(capsys, ["train", "--data", "digits", "--epochs", "99999999999999999999999", "--out", str(tmp_path / "m")],
             "epochs (--epochs)", f"{MAX_EPOCHS:,}")
    assert not (tmp_path / "m").exists()


def test_train_checks_free_space_before_training(capsys, tmp_path, monkeypatch):
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(10**9, 10**9 - 1000, 1000))
    one_line(capsys, ["train", "--data", "digits", "--epochs", "1", "--quiet", "--out", str(tmp_path / "m")],
             "free", str(tmp_path / "m"))
    assert not (tmp_path / "m" / "model.json").exists()


def test_a_full_disk_at_the_end_of_training_is_one_line(capsys, tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)  # the checkpoint's write, after the epochs
    one_line(capsys, ["train", "--data", "digits", "--epochs", "1", "--quiet", "--out", str(tmp_path / "m")],
             "No space left on device", str(tmp_path / "m"))
    assert [p.name for p in (tmp_path / "m").iterdir()] == []


@pytest.mark.parametrize("z, fragment", [("1e308,1e308", "within"), ("1e5,0", "within"), ("0,-1001", "within"),
                                         ("nan,0", "finite"), ("inf,0", "finite")])
def test_decode_refuses_a_z_that_gives_no_image(capsys, tmp_path, z, fragment):
    out = tmp_path / "x.png"
    one_line(capsys, ["decode", "--model", "digits-2d", "--z", z, "-o", str(out)], "--z", fragment)
    assert not out.exists()


def test_decode_refuses_a_label_beyond_any_integer(capsys, tmp_path):
    out = tmp_path / "x.png"
    one_line(capsys, ["decode", "--model", "mnist-cvae-2d", "--z", "0,0", "--label", "99999999999999999999",
                      "-o", str(out)], "label", "0 to 9")
    assert not out.exists()


@pytest.mark.parametrize("flag, value, fragment", [("--n-init", "1000000", "n_init"),
                                                   ("--max-iter", "99999999999999999999", "max_iter")])
def test_fit1d_caps_what_would_run_for_ever(capsys, points, flag, value, fragment):
    one_line(capsys, ["fit1d", points, flag, value], fragment, "at most")


def test_an_os_error_writing_the_output_is_one_line(capsys, tmp_path):
    (tmp_path / "file").write_text("x")
    one_line(capsys, ["decode", "--model", "digits-2d", "--z", "0,0", "-o", str(tmp_path / "file" / "x.png")],
             str(tmp_path / "file"))
