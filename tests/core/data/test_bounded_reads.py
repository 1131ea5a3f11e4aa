"""Files a user names are opened only when regular, and bounded before and while they are read."""

import gzip
import os
import resource
import struct
import subprocess
import sys
import threading
import tomllib

import numpy as np
import pytest

from testkit import REPO
from vae_core.data.datasets import load_dataset
from vae_core.data.idx import MAX_IDX_BYTES, read_idx, write_idx
from vae_core.data.imageio import open_image
from vae_core.errors import DataError, ImageError
from vae_core.oned.data1d import MAX_POINTS, parse_csv, read_csv


def test_a_deployed_server_shows_no_tracebacks():
    config = tomllib.loads((REPO / ".streamlit/config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


def test_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path):
    link = tmp_path / "t10k-images-idx3-ubyte"
    link.symlink_to("/dev/zero")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for read in (read_idx, read_csv, open_image):
        with pytest.raises((DataError, ImageError), match="not a regular file"):
            read(link)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KB: nothing was read


def test_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    errors = []
    worker = threading.Thread(target=lambda: errors.append(pytest.raises(DataError, read_csv, fifo)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "reading a FIFO hung"
    assert "not a regular file" in str(errors[0].value)


def test_an_oversized_file_is_refused_by_its_size(tmp_path):
    big = tmp_path / "big-images-idx3-ubyte"
    with open(big, "wb") as fh:
        fh.truncate(MAX_IDX_BYTES + 1)  # sparse: no disk, and refused before a byte is read
    with pytest.raises(DataError, match="the limit is"):
        read_idx(big)


def test_a_gzip_bomb_is_capped_while_decompressing(tmp_path):
    # A valid header claiming 2 GB of pixels, then zeros: the header alone refuses it; a header claiming
    # a small body followed by 600 MB of zeros is refused after at most the limit is inflated.
    bomb = tmp_path / "bomb-images-idx3-ubyte.gz"
    header = struct.pack(">BBBB3I", 0, 0, 8, 3, 10, 28, 28)
    with gzip.open(bomb, "wb") as fh:
        fh.write(header)
        zeros = bytes(1 << 20)
        for _ in range(600):
            fh.write(zeros)
    assert bomb.stat().st_size < 1_000_000
    code = ("import resource, sys; from vae_core.data.idx import read_idx; from vae_core.errors import DataError\n"
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            f"try: read_idx({str(bomb)!r})\nexcept DataError as e: print(e)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    message, peak_kb = out.stdout.strip().splitlines()
    assert "truncated or padded" in message
    assert int(peak_kb) < 50_000  # KB of growth: a few buffers, never the 600 MB body


@pytest.mark.parametrize("shape,pixels,labels,match", [
    ((0, 8, 8), None, None, "no images"),
    ((3, 8, 8), np.float64, [0, 1, 2], "NaN"),
    ((3, 8, 8), "negative", [0, 1, 2], "negative pixels"),
    ((3, 8, 8), None, [0, -1, 2], "labels must be class indices"),
])
def test_bad_idx_contents_are_refused(tmp_path, shape, pixels, labels, match):
    images = np.zeros(shape, dtype=np.uint8)
    path = tmp_path / "x-images-idx3-ubyte"
    if pixels is None:
        write_idx(path, images)
    else:
        body = np.zeros(shape, dtype=">f8")
        body.flat[0] = -1.0 if pixels == "negative" else np.nan
        path.write_bytes(struct.pack(">BBBB3I", 0, 0, 0x0E, 3, *shape) + body.tobytes())
    lab = np.array(labels if labels is not None else [0] * shape[0], dtype=np.int8)
    write_idx(tmp_path / "x-labels-idx1-ubyte", lab)
    with pytest.raises(DataError, match=match):
        load_dataset(f"idx:{tmp_path}/x")


def test_an_absurd_number_of_dimensions_is_refused(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(struct.pack(">BBBB", 0, 0, 8, 200) + bytes(800))
    with pytest.raises(DataError, match="200 dimensions"):
        read_idx(path)


def test_csv_limits_are_checked_while_streaming():
    with pytest.raises(DataError, match="more than"):
        parse_csv(b"x\n" + b"1\n" * (MAX_POINTS + 5))
    with pytest.raises(DataError, match="line 3: 1e.308 is too large"):
        parse_csv(b"x\n1\n1e308\n2\n")
    with pytest.raises(DataError, match="line 2: not a readable CSV row"):
        parse_csv(b"x\n\"" + b"9" * 200_000 + b"\"\n")


def test_csv_over_the_row_limit_stays_within_memory():
    code = ("import resource\nfrom vae_core.oned.data1d import parse_csv, MAX_POINTS\n"
            "from vae_core.errors import DataError\n"
            "data = b'x\\n' + b'1.2345\\n' * (3 * MAX_POINTS)\n"
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try: parse_csv(data)\nexcept DataError as e: print(e)\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    message, growth_kb = out.stdout.strip().splitlines()
    assert "the limit is" in message
    assert int(growth_kb) < 300_000  # 42 MB of text decoded once plus 16 MB of floats, not GBs of row lists
