"""What one upload request costs the server: decode + preprocess time and the peak memory it adds.

    python -m bench.bench_upload_cost [--scenario NAME ...]

Each scenario is a batch of files given to the upload page's own path, in a fresh interpreter per scenario
(so its peak RSS, from resource.getrusage, is the batch's alone): the request's pixel budget
(vae_core.data.imageio.admit_batch, decided from the headers), then open_image at reduced size and the MNIST
preprocessing (vae_core.images.preprocess) for each admitted file. On a checkout without admit_batch (before
issue 24; copy this script into its bench/ to measure it) every file is decoded as the page did then: in full, a
JPEG at its 1,024 px draft. The encoding by the model comes after and is the same for every picture, so it is left
out. Scenarios:

  wide-webps     64 lossless WebP files of 16383 x 2400 pixels (1.6 KB each): the issue's upload
  big-webp       one 39-megapixel WebP photo of a digit
  webp-photo     one 12-megapixel WebP photo of a digit
  phone-jpegs    64 JPEG photos of a digit, 4000 x 3000 (12 MP), as a class's phones take them
  big-png        one 36-megapixel PNG scan of a digit
  wide-pngs      64 PNG files of 16383 x 2400 pixels (40 KB each)

The files are made in a temporary folder; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

from bench.harness import print_header, run_python

SCENARIOS = {
    "wide-webps": ("WEBP", (16383, 2400), 64),
    "big-webp": ("WEBP", (7200, 5400), 1),
    "webp-photo": ("WEBP", (4000, 3000), 1),
    "phone-jpegs": ("JPEG", (4000, 3000), 64),
    "big-png": ("PNG", (6000, 6000), 1),
    "wide-pngs": ("PNG", (16383, 2400), 64),
}

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from vae_core.data import imageio
from vae_core.errors import ImageError
from vae_core.images.preprocess import WORK_SIZE, preprocess

folder = Path(sys.argv[1])
items = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cpu, wall = time.process_time(), time.perf_counter()
if hasattr(imageio, "admit_batch"):
    admitted, refused = imageio.admit_batch(items, max_side=WORK_SIZE)
    def opened(data, name):
        return imageio.open_image(data, name=name, orient=False, max_side=WORK_SIZE)
else:
    admitted, refused = items, []
    def opened(data, name):
        return imageio.open_image(data, name=name, orient=False)
done, failed = 0, 0
for name, data in admitted:
    try:
        preprocess(opened(data, name), (28, 28))
        done += 1
    except ImageError:
        failed += 1
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "decoded": done,
                  "unusable": failed, "refused": len(refused),
                  "peak_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}))
"""


def digit_photo(fmt: str, size: tuple[int, int]) -> bytes:
    """A dark 7 on light paper; a uniform image for the wide WebPs, as in the issue (they compress to KBs)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (235, 232, 225))
    if size[1] > 2400:
        s, cx, cy = min(size) / 3, size[0] / 2, size[1] / 2
        ImageDraw.Draw(img).line([(cx - s / 2, cy - s / 2), (cx + s / 2, cy - s / 2), (cx - s / 6, cy + s / 2)],
                                 fill=(30, 30, 40), width=max(3, int(s / 9)))
    out = io.BytesIO()
    options = {"WEBP": {"lossless": size[1] <= 2400, "quality": 80}, "JPEG": {"quality": 85}, "PNG": {}}[fmt]
    img.save(out, format=fmt, **options)
    return out.getvalue()


def run(name: str) -> dict:
    fmt, size, count = SCENARIOS[name]
    data = digit_photo(fmt, size)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            (Path(tmp) / f"{name}_{i:02d}.{fmt.lower()}").write_bytes(data)
        out = json.loads(run_python(CHILD.replace("sys.argv[1]", repr(tmp))))
    return {**out, "files": count, "file_kb": len(data) / 1000, "size": size}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", nargs="*", choices=list(SCENARIOS), help="default: all")
    args = ap.parse_args(argv)
    print_header()
    for name in args.scenario or SCENARIOS:
        r = run(name)
        print(f"{name:12s} {r['files']:2d} x {r['size'][0]}x{r['size'][1]} ({r['file_kb']:,.1f} KB each): "
              f"{r['cpu']:6.2f} s CPU ({r['wall']:6.2f} s wall), peak memory +{r['peak_mb']:5.0f} MB; "
              f"decoded {r['decoded'] + r['unusable']}, refused from the headers {r['refused']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
