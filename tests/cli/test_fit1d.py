import json
import os
import subprocess
import sys

import numpy as np
import pytest

from testkit import REPO
from vae_core.cli import fit1d as cli_fit1d
from vae_core.oned import data1d, fit1d

ROOT = REPO
MODULE = "vae_core"


def run_cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", MODULE, "fit1d", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fit1d")
    x = data1d.sample(data1d.DEFAULT_MIXTURE, 1200, seed=4)
    train, test = folder / "train.csv", folder / "test.csv"
    train.write_text("x\n" + "\n".join(f"{v:.6f}" for v in x[:800]) + "\nnan\noops\n")
    test.write_text("\n".join(f"{v:.6f}" for v in x[800:]) + "\n")
    return train, test


def test_json_output_has_both_fits(csv_files):
    train, test = csv_files
    result = run_cli(train, "--test", test, "--k", 3, "--seed", 1, "--vae-steps", 200, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    gmm, vae = out["gmm"], out["vae"]
    # The schema documented in README.md, "JSON output of fit1d".
    assert set(out) == {"n_train", "n_test", "warnings", "gmm", "vae"}
    assert set(gmm) == {"k", "weights", "means", "variances", "converged", "n_iter", "log_likelihood_history",
                        "train_log_likelihood", "test_log_likelihood", "kl_truth_to_fit", "test_minus_truth",
                        "n_parameters", "fit_seconds"}
    assert set(vae) == {"latent_dim", "sigma_mode", "steps", "train_log_likelihood", "test_log_likelihood",
                        "train_elbo", "test_elbo", "kl_truth_to_fit", "test_minus_truth", "n_parameters",
                        "fit_seconds"}
    assert set(vae["n_parameters"]) == {"decoder", "encoder"}
    assert gmm["kl_truth_to_fit"] is None and vae["kl_truth_to_fit"] is None
    assert gmm["test_minus_truth"] is None  # no truth is known for a CSV
    assert out["n_train"] == 800 and out["n_test"] == 400
    assert any("dropped 2 of 802 rows" in w for w in out["warnings"])
    assert len(gmm["weights"]) == len(gmm["means"]) == len(gmm["variances"]) == 3
    assert sum(gmm["weights"]) == pytest.approx(1.0)
    history = np.array(gmm["log_likelihood_history"])
    assert len(history) == gmm["n_iter"] + 1 and np.all(np.diff(history) >= -1e-12)
    assert -3.0 < gmm["test_log_likelihood"] < -1.8
    assert np.isfinite(vae["test_log_likelihood"]) and np.isfinite(vae["test_elbo"])
    assert vae["test_elbo"] <= vae["test_log_likelihood"]
    assert vae["steps"] == 200


def test_plain_output_without_test_file(csv_files, capsys):
    train, _ = csv_files
    assert cli_fit1d.main([str(train), "--k", "2", "--vae-steps", "50"]) == 0
    out = capsys.readouterr().out
    assert "GMM K=2" in out and "VAE mean ELBO" in out


@pytest.mark.parametrize("content, args, message", [
    ("", [], "is empty"),
    ("name\nalice\nbob\n", [], "not numeric"),
    ("x\nnan\ninf\n", [], "no usable numbers"),
    ("1\n2\n", ["--k", "3"], "fewer than K = 3"),
    ("1\n2\n3\n", ["--k", "0"], "K must be at least 1"),
    ("1,2\n3,4\n", [], "exactly one column"),
])
def test_bad_input_gives_one_line_error_and_exit_2(tmp_path, capsys, content, args, message):
    """In-process for speed; the subprocess test below checks the real exit path."""
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert cli_fit1d.main([str(path), *args, "--vae-steps", "10", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and message in captured.err
    assert captured.err.count("\n") == 1 and captured.out == ""


def test_bad_file_in_a_real_process_has_no_traceback(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("city\nParis\n")
    result = run_cli(path, "--json")
    assert result.returncode == 2
    assert result.stderr == f"error: column 'city' in {path} is not numeric\n"
    assert result.stdout == ""


def test_missing_file(capsys, tmp_path):
    assert cli_fit1d.main([str(tmp_path / "nope.csv"), "--json"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_identical_values_warn_about_the_floor(tmp_path, capsys):
    path = tmp_path / "same.csv"
    path.write_text("5\n" * 30)
    assert cli_fit1d.main([str(path), "--k", "2", "--vae-steps", "20", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any("identical" in w for w in out["warnings"])
    assert out["gmm"]["variances"] == pytest.approx([1e-6, 1e-6])


def test_add_parser_registers_fit1d():
    import argparse
    parser = argparse.ArgumentParser()
    cli_fit1d.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["fit1d", "train.csv", "--k", "4", "--json"])
    assert args.func is cli_fit1d.run and args.k == 4 and args.json and args.test is None


def test_truth_summary_scores_the_truth_against_itself():
    spec = data1d.DEFAULT_MIXTURE
    x = data1d.sample(spec, 500, seed=0)
    summary = fit1d.summarise_truth(spec, x[:300], x[300:])
    assert summary["kl_truth_to_fit"] == 0.0
    assert summary["n_parameters"] == 3 * spec.n_components - 1
    assert summary["test_log_likelihood"] == pytest.approx(np.mean(data1d.log_density(spec, x[300:])))
