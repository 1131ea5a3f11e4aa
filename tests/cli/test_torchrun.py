"""torchrun with 2 CPU processes (gloo) trains the same model as one process with the same global batch."""

import json
import subprocess
import sys

from testkit import REPO

ARGS = ["train", "--data", "digits", "--hidden", "16", "--epochs", "4", "--batch-size", "66", "--seed", "3",
        "--lr", "3e-3", "--threads", "1", "--device", "cpu", "--quiet"]
# Differences come only from the Monte Carlo noise eps (each rank draws its own) and
# float summation order; 1617 training images in batches of 66 split 33 / 33 except the last.
TOLERANCE_NATS = 1.0


def _run(cmd, out):
    proc = subprocess.run([sys.executable, *cmd, *ARGS, "--out", str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, json.loads((out / "model.json").read_text())


def test_two_process_ddp_matches_one_process_and_writes_one_checkpoint(tmp_path):
    _, single = _run(["-m", "vae_core"], tmp_path / "single")
    proc, ddp = _run(["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "vae_core"],
                     tmp_path / "ddp")
    assert proc.stdout.count("wrote ") == 1  # only rank 0 reports
    assert sorted(p.name for p in (tmp_path / "ddp").iterdir()) == ["model.json", "model.safetensors"]
    assert len(ddp["history"]) == len(single["history"]) == 4
    for a, b in zip(single["history"], ddp["history"]):
        for key in ("train_elbo", "val_elbo"):
            assert abs(a[key] - b[key]) < TOLERANCE_NATS, (key, a[key], b[key])
    # it really learned: the curve rises by far more than the tolerance
    assert ddp["history"][-1]["val_elbo"] - ddp["history"][0]["val_elbo"] > 3 * TOLERANCE_NATS
