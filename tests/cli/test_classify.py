"""python -m vae_core classify, run as a user would, on a tiny conditional model."""

import json

import numpy as np
import pytest
from PIL import Image

from tests.cli.test_subcommands import assert_one_line_error, run


@pytest.fixture(scope="module")
def cvae_checkpoint(tmp_path_factory):
    from vae_core.vae.train import TrainConfig, train_and_save

    out = tmp_path_factory.mktemp("ck") / "digits-cvae"  # trained in-process: the train CLI has its own tests
    train_and_save(TrainConfig(data="digits", conditional=True, latent_dim=2, hidden=(32,), epochs=3), out,
                   progress=False)
    return out


@pytest.fixture(scope="module")
def digit_png(tmp_path_factory):
    from vae_core import load_dataset

    d = load_dataset("digits")
    path = tmp_path_factory.mktemp("img") / "three.png"
    Image.fromarray((d.x[3].reshape(8, 8) * 255).astype(np.uint8), mode="L").resize((64, 64)).save(path)
    return path


def test_classify_prints_every_label_with_its_standard_error(cvae_checkpoint, digit_png):
    proc = run("classify", "--model", cvae_checkpoint, digit_png, "--k", 20, "--json")
    rows = json.loads(proc.stdout)
    assert len(rows) == 1 and len(rows[0]["labels"]) == 10 and rows[0]["k"] == 20
    post = [e["posterior"] for e in rows[0]["labels"]]
    assert sum(post) == pytest.approx(1.0)
    assert rows[0]["predicted"] == int(np.argmax([e["log_px_y"] for e in rows[0]["labels"]]))
    assert all(e["se"] > 0 for e in rows[0]["labels"])
    text = run("classify", "--model", cvae_checkpoint, digit_png, "--k", 5, "--labels", 3, 8).stdout
    assert "log p(x|y)" in text and text.count("y=") == 2


@pytest.mark.parametrize("extra, fragment", [
    (["--labels", "10"], "label must be an integer from 0 to 9"),
    (["--labels", "-1"], "label must be an integer from 0 to 9"),
    (["--k", "0"], "--k must be from 1 to"),
])
def test_classify_refuses_bad_labels_and_k(cvae_checkpoint, digit_png, capsys, extra, fragment):
    # In-process: the same main() as python -m vae_core, without a fresh interpreter per case.
    from vae_core.cli.main import main

    assert main(["classify", "--model", str(cvae_checkpoint), str(digit_png), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and fragment in err[0], err


def test_classify_refuses_an_unconditional_model_in_one_line(digit_png):
    assert_one_line_error(run("classify", "--model", "digits-2d", digit_png, check=False),
                          "needs a conditional VAE")
