"""Every CLI subcommand, run as a user would: python -m vae_core ..."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from testkit import REPO


def run(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "vae_core", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


def assert_one_line_error(proc, *fragments):
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    out = tmp_path_factory.mktemp("ck") / "digits-tiny"
    cfg = tmp_path_factory.mktemp("cfg") / "train.json"
    cfg.write_text(json.dumps({"data": "digits", "latent_dim": 2, "hidden": [32], "epochs": 50, "seed": 7}))
    proc = run("train", "--config", cfg, "--epochs", 3, "--out", out, "--quiet")
    assert "best epoch" in proc.stdout
    return out


def test_train_writes_a_checkpoint_with_its_provenance(checkpoint):
    sidecar = json.loads((checkpoint / "model.json").read_text())
    assert (checkpoint / "model.safetensors").exists()
    assert sidecar["train_config"]["epochs"] == 3  # the flag overrode the JSON config
    assert sidecar["train_config"]["hidden"] == [32] and sidecar["seed"] == 7
    assert sidecar["command"].startswith("python -m vae_core train --config")
    assert sidecar["data"]["name"] == "digits" and sidecar["data"]["n"] == 1797
    assert len(sidecar["history"]) == 3 and sidecar["train_time_s"] > 0
    for record in sidecar["history"]:
        assert record["train_elbo"] < 0 and record["val_elbo"] < 0


def test_training_is_seeded(checkpoint, tmp_path):
    again = tmp_path / "again"
    run("train", "--data", "digits", "--latent-dim", 2, "--hidden", "32", "--epochs", 3, "--seed", 7,
        "--out", again, "--quiet")
    a = json.loads((checkpoint / "model.json").read_text())
    b = json.loads((again / "model.json").read_text())
    assert a["weights_sha256"] == b["weights_sha256"]


def test_augment_shift_flag_sets_the_config_key_the_shipped_models_use(tmp_path):
    shipped = json.loads((REPO / "pretrained/mnist-16d/train_config.json").read_text())
    assert shipped["augment_shift"] == 1  # the setting the flag must reach
    cfg = tmp_path / "train.json"
    cfg.write_text(json.dumps({"data": "digits", "hidden": [8], "epochs": 1, "augment_shift": 0}))
    out = tmp_path / "shifted"
    run("train", "--config", cfg, "--augment-shift", 2, "--out", out, "--quiet")
    assert json.loads((out / "model.json").read_text())["train_config"]["augment_shift"] == 2


def test_train_shows_a_progress_bar_on_stderr_unless_quiet(tmp_path):
    args = ["train", "--data", "digits", "--hidden", "8", "--epochs", 2]
    loud = run(*args, "--out", tmp_path / "loud")
    assert "epochs:" in loud.stderr and "2/2 [" in loud.stderr  # tqdm: "epochs: 100%|...| 2/2 [00:02<..."
    assert "epochs:" not in loud.stdout  # stdout stays clean for scripts
    quiet = run(*args, "--out", tmp_path / "quiet", "--quiet")
    assert quiet.stderr == ""
    assert "best epoch" in loud.stdout and "best epoch" in quiet.stdout


def test_models_lists_the_pretrained_models():
    proc = run("models", "--json")
    names = [row["name"] for row in json.loads(proc.stdout)]
    assert {"mnist-2d", "mnist-16d", "digits-2d"} <= set(names)
    assert "mnist-2d" in run("models").stdout


def test_evaluate_prints_elbo_terms_and_nll(checkpoint):
    proc = run("evaluate", "--model", checkpoint, "--data", "digits", "--k", 20, "--limit", 50, "--json")
    ev = json.loads(proc.stdout)
    assert ev["n"] == 50 and ev["k"] == 20
    assert ev["elbo"] == pytest.approx(ev["reconstruction"] - ev["kl"], abs=1e-6)
    assert ev["nll"] == pytest.approx(-ev["iw_log_px"]) and ev["iw_log_px"] >= ev["elbo"]
    text = run("evaluate", "--model", checkpoint, "--data", "digits", "--k", 5, "--limit", 20).stdout
    assert "NLL" in text and "KL(q(z|x)||p(z))" in text


def test_evaluate_binarises_for_a_binarised_model_and_says_what_a_grey_score_is(checkpoint):
    # digits-2d was trained on binarised pixels: auto evaluates one seeded binarisation of the images
    auto = json.loads(run("evaluate", "--model", "digits-2d", "--data", "digits", "--k", 10, "--limit", 20,
                          "--json").stdout)
    assert auto["binarize_seed"] == 0 and auto["true_log_likelihood"] is True
    other = json.loads(run("evaluate", "--model", "digits-2d", "--data", "digits", "--k", 10, "--limit", 20,
                           "--binarize-seed", 3, "--json").stdout)
    assert other["binarize_seed"] == 3 and other["nll"] != auto["nll"]
    grey = json.loads(run("evaluate", "--model", "digits-2d", "--data", "digits", "--k", 10, "--limit", 20,
                          "--binarize", "no", "--json").stdout)
    assert grey["binarize_seed"] is None and grey["true_log_likelihood"] is False
    # the test checkpoint is a grey-value model: its text output says the figures are scores, not NLLs
    text = run("evaluate", "--model", checkpoint, "--data", "digits", "--k", 5, "--limit", 10).stdout
    assert "cross-entropy score" in text and "not a normalised log-likelihood" in text
    assert "a lower bound on the gap" in text


def _digit_photo(path, size=(60, 80)):
    img = Image.new("L", size, 235)  # dark ink on light paper
    arr = np.array(img)
    arr[20:60, 25:32] = 20
    Image.fromarray(arr).save(path)


def test_encode_prints_mu_and_logvar(checkpoint, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.jpg"
    _digit_photo(a)
    _digit_photo(b)
    rows = json.loads(run("encode", "--model", checkpoint, a, b, "--json").stdout)
    assert [r["image"] for r in rows] == [str(a), str(b)]
    assert all(len(r["mu"]) == 2 and len(r["logvar"]) == 2 for r in rows)
    assert "logvar" in run("encode", "--model", checkpoint, a).stdout


def test_encode_reports_bad_images_and_still_encodes_the_rest(checkpoint, tmp_path):
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    _digit_photo(good)
    bad.write_bytes(b"definitely not a png")
    proc = run("encode", "--model", checkpoint, good, bad, "--json", check=False)
    assert proc.returncode == 1
    assert len(json.loads(proc.stdout)) == 1
    assert_one_line_error(proc, "bad.png", "not an image")


def test_decode_writes_a_png(checkpoint, tmp_path):
    out = tmp_path / "x.png"
    run("decode", "--model", checkpoint, "--z", "0.5,-1", "-o", out, "--scale", 4)
    img = Image.open(out)
    assert img.size == (32, 32) and img.mode == "L"
    out2 = tmp_path / "y.png"
    run("decode", "--model", checkpoint, "--z", "0.5", "-1", "-o", out2, "--scale", 4)
    assert out.read_bytes() == out2.read_bytes()


@pytest.mark.parametrize("args, fragments", [
    (["evaluate", "--model", "no-such-model", "--data", "digits"], ["no model named 'no-such-model'"]),
    (["evaluate", "--model", "digits-2d", "--data", "no-such-data"], ["unknown data set 'no-such-data'"]),
    (["evaluate", "--model", "digits-2d", "--data", "idx:/nonexistent/t10k"], ["no t10k-images-idx3-ubyte"]),
    (["evaluate", "--model", "digits-2d", "--data", "mnist-5k", "--limit", "5"], ["takes (8, 8)"]),
    (["evaluate", "--model", "digits-2d", "--data", "digits", "--k", "0"], ["--k must be at least 1"]),
    (["decode", "--model", "digits-2d", "--z", "1", "-o", "/tmp/never.png"], ["2-D latent", "gave 1"]),
    (["decode", "--model", "digits-2d", "--z", "a,b", "-o", "/tmp/never.png"], ["--z must be numbers"]),
    (["encode", "--model", "digits-2d", "/nonexistent.png"], ["/nonexistent.png", "no such file"]),
    (["train", "--out", "/tmp/never", "--latent-dim", "99", "--data", "digits"], ["latent_dim"]),
    (["train", "--out", "/tmp/never", "--config", "/nonexistent.json"], ["config file not found"]),
    (["train", "--out", "/tmp/never", "--epochs", "many"], ["invalid int value: 'many'"]),
    (["train", "--out", "/tmp/never", "--no-such-flag"], ["unrecognized arguments: --no-such-flag"]),
    (["train", "--out", "/tmp/never", "--augment-shift", "-1"], ["--augment-shift", "non-negative integer"]),
    (["train", "--out", "/tmp/never", "--augment-shift", "1.5"], ["--augment-shift", "non-negative integer"]),
    (["train", "--out", "/tmp/never", "--data", "digits", "--augment-shift", "9"], ["augment_shift", "0 to 4"]),
    (["frobnicate"], ["invalid choice: 'frobnicate'"]),
])
def test_user_mistakes_give_one_line_errors(args, fragments):
    assert_one_line_error(run(*args, check=False), *fragments)
