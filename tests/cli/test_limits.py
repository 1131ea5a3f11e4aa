"""One-line CLI errors for evaluate and decode misuse; run in-process to stay fast."""

import pytest

from vae_core.cli.main import main
from vae_core.cli.models import MAX_K


def one_line_error(capsys, argv, *fragments):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and err[0].startswith("error: "), err
    for fragment in fragments:
        assert fragment in err[0], err[0]


@pytest.mark.parametrize("extra,fragment", [
    (["--limit", "0"], "--limit must be at least 1"),
    (["--limit", "-1"], "--limit must be at least 1"),
    (["--k", str(MAX_K + 1)], f"--k must be at most {MAX_K:,}"),
])
def test_evaluate_limits(capsys, extra, fragment):
    one_line_error(capsys, ["evaluate", "--model", "digits-2d", "--data", "digits", *extra], fragment)


def test_evaluate_k_in_scientific_notation_is_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "--model", "digits-2d", "--data", "digits", "--k", "1e8"])
    assert info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_decode_to_a_folder_is_refused(capsys, tmp_path):
    one_line_error(capsys, ["decode", "--model", "digits-2d", "--z", "0,0", "-o", str(tmp_path)], "is a folder")


def test_decode_label_on_an_unconditional_model_is_refused(capsys, tmp_path):
    out = tmp_path / "x.png"
    one_line_error(capsys, ["decode", "--model", "digits-2d", "--z", "0,0", "--label", "3", "-o", str(out)],
                   "--label is for conditional models")
    assert not out.exists()


@pytest.mark.parametrize("text,fragment", [("[1, 2]", "got a list"), ("16", "got a number"),
                                           ("[" * 50_000, "not valid JSON")])
def test_train_config_that_is_not_an_object_is_one_line(capsys, tmp_path, text, fragment):
    cfg = tmp_path / "train.json"
    cfg.write_text(text)
    one_line_error(capsys, ["train", "--config", str(cfg), "--out", str(tmp_path / "m")], fragment)
    assert not (tmp_path / "m").exists()
