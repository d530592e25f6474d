"""Benchmark: the image stage, cold (empty cache) and warm, on generated photographs.

    python tests/perf/bench_images.py [--count 200] [--size 4000x3000] [--jobs N]

Photographs are made once (noise over gradients, saved as JPEG like a phone would) in a
temporary folder; then the stage runs with an empty cache and again with the cache filled.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from generator.errors import Problems  # noqa: E402
from generator.images import ImageSettings, Reference, process  # noqa: E402


def make_photos(folder: Path, count: int, size: tuple[int, int]) -> None:
    from PIL import Image

    noise = Image.effect_noise(size, 40).convert("RGB")
    for i in range(count):
        path = folder / f"photo-{i:04d}.jpg"
        if path.exists():
            continue
        gradient = Image.linear_gradient("L").resize(size).convert("RGB")
        tint = Image.new("RGB", size, ((i * 37) % 255, (i * 91) % 255, (i * 53) % 255))
        photo = Image.blend(Image.blend(gradient, tint, 0.5), noise, 0.25)
        photo.save(path, "JPEG", quality=88)


def run(content: Path, cache: Path, jobs: int | None) -> tuple[float, int]:
    refs = {p.name: [Reference(p, 1)] for p in sorted(content.glob("*.jpg"))}
    problems = Problems()
    started = time.perf_counter()
    images = process(refs, set(list(refs)[: len(refs) // 4]), content, cache, ImageSettings(),
                     jobs, problems)
    assert not problems.errors, problems.errors[:3]
    return time.perf_counter() - started, images.processed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--size", default="4000x3000")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--keep", type=Path, help="make the photographs here and keep them")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    folder = args.keep or Path(tempfile.mkdtemp(prefix="expo-images-"))
    content = folder / "photos"
    content.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    make_photos(content, args.count, size)
    print(f"{args.count} photographs of {size[0]}×{size[1]} ready in "
          f"{time.perf_counter() - started:.1f} s")
    cache = Path(tempfile.mkdtemp(prefix="expo-image-cache-"))
    cold, processed = run(content, cache, args.jobs)
    warm, again = run(content, cache, args.jobs)
    print(f"{'run':<8}{'seconds':>10}{'processed':>11}{'per image ms':>14}")
    print(f"{'cold':<8}{cold:>10.2f}{processed:>11}{cold / args.count * 1000:>14.1f}")
    print(f"{'warm':<8}{warm:>10.2f}{again:>11}{warm / args.count * 1000:>14.1f}")


if __name__ == "__main__":
    main()
