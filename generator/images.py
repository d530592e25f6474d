"""The image pipeline: every image content shows, resized, upright, stripped and cached.

Each source image becomes renditions at the configured widths (never wider than the source)
in WebP and in a fallback format (JPEG for photos, PNG where there is transparency), plus a
1200×630 OpenGraph crop for covers. EXIF orientation is applied, colours are converted to
sRGB, and no metadata (EXIF, GPS, XMP, ICC, comments) reaches a published file.

Work is cached by a hash of the source bytes and the operation: a second build decodes no
image at all, and renditions nothing uses any more are pruned. Cache misses are spread over
processes. Bombs and damaged files are refused before or while decoding, without a crash.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import write_whole
from .errors import Problems
from .model import OutputFile
from .parallel import jobs_for
from .paths import slugify

VERSION = "2"  # change when the output of the same operation changes
OG_SIZE = (1200, 630)
IMAGE_DIR = "_img"


@dataclass(frozen=True)
class ImageSettings:
    widths: tuple[int, ...] = (480, 960, 1600)
    quality: int = 80
    max_pixels: int = 50_000_000
    originals: bool = False  # publish the untouched source files too

    def signature(self) -> str:
        return f"{VERSION}:{self.widths}:{self.quality}"


@dataclass(frozen=True)
class Rendition:
    path: str  # below output/
    width: int
    height: int
    mime: str


@dataclass
class Picture:
    """What templates and Markdown need to show one image."""

    width: int  # of the largest rendition
    height: int
    webp: list[Rendition]
    fallback: list[Rendition]
    og: Rendition | None = None

    @property
    def largest(self) -> Rendition:
        return max(self.fallback, key=lambda r: r.width)


@dataclass
class Reference:
    """Where content names an image: reported there when the image is unusable."""

    path: Path
    line: int


@dataclass
class ImageSet:
    pictures: dict[str, Picture] = field(default_factory=dict)  # content path → picture
    files: list[str] = field(default_factory=list)  # cache file names used by this build
    processed: int = 0  # images decoded in this build (0 when everything came from cache)


def process(refs: dict[str, list[Reference]], covers: set[str], content_dir: Path,
            cache_dir: Path, settings: ImageSettings, jobs: int | None,
            problems: Problems, progress: Callable[[int, int], None] | None = None,
            hashes: dict[tuple, str] | None = None) -> ImageSet:
    """Renditions for every referenced image; broken ones reported at every reference.

    `hashes` (kept by a Builder) spares reading an image again while its size and time stay
    the same: a preview of a site with hundreds of photos rebuilds without re-reading them."""
    hashes = {} if hashes is None else hashes
    store = cache_dir / "images"
    store.mkdir(parents=True, exist_ok=True)
    result = ImageSet()
    todo: dict[str, tuple[str, Path, bool]] = {}  # key → (first rel, source, og)
    keys: dict[str, str] = {}  # rel → key: files with the same bytes and name render once
    manifests: dict[str, dict[str, Any]] = {}  # key → manifest
    for rel in sorted(refs):
        source = content_dir / rel
        try:
            info = source.stat()
            stamp = (rel, info.st_size, info.st_mtime_ns)
            if stamp not in hashes:
                hashes[stamp] = hashlib.sha256(source.read_bytes()).hexdigest()
        except OSError as exc:
            _report(refs[rel], problems, f"cannot read image '{rel}': {exc.strerror}")
            continue
        want_og = rel in covers
        key = hashlib.sha256(f"{hashes[stamp]}|{settings.signature()}|{want_og}|"
                             f"{_stem(rel)}".encode()).hexdigest()[:20]
        keys[rel] = key
        if key in todo or key in manifests:
            continue
        manifest = _cached(store, key)
        if manifest is None:
            todo[key] = (rel, source, want_og)
        else:
            manifests[key] = manifest
    if todo:
        tasks = [(rel, str(source), key, og, str(store), settings)
                 for key, (rel, source, og) in todo.items()]
        workers = min(jobs_for(jobs), len(tasks))
        outcomes = []
        with ExitStack() as stack:
            done = stack.enter_context(ProcessPoolExecutor(workers)).map(_render_task, tasks) \
                if workers > 1 and len(tasks) > 2 else map(_render_task, tasks)
            for outcome in done:
                outcomes.append(outcome)
                if progress is not None:
                    progress(len(outcomes), len(tasks))
        for key, outcome in zip(todo, outcomes, strict=True):
            result.processed += 1
            if isinstance(outcome, str):
                for rel in (r for r, k in keys.items() if k == key):
                    _report(refs[rel], problems, outcome.replace(todo[key][0], rel, 1))
            else:
                manifests[key] = outcome
    for key, manifest in manifests.items():
        result.files += [r["file"] for r in manifest["renditions"]] + [key + ".json"]
    for rel, key in keys.items():
        if key in manifests:
            result.pictures[rel] = _picture(manifests[key])
    return result


def outputs(images: ImageSet, cache_dir: Path) -> Iterator[OutputFile]:
    store = cache_dir / "images"
    done: set[str] = set()  # two content files with the same bytes share renditions
    for picture in images.pictures.values():
        for rendition in [*picture.webp, *picture.fallback, *([picture.og] if picture.og else [])]:
            if rendition.path not in done:
                done.add(rendition.path)
                name = rendition.path.rsplit("/", 1)[-1]
                yield OutputFile(rendition.path, (store / name).read_bytes())


def prune(images: ImageSet, cache_dir: Path) -> None:
    """Remove cached renditions this build did not use."""
    keep = set(images.files)
    for path in (cache_dir / "images").iterdir():
        if path.name not in keep:
            path.unlink(missing_ok=True)


def _stem(rel: str) -> str:
    """The start of a rendition's file name: the source's, in URL-safe letters."""
    return slugify(Path(rel).stem) or "image"


def _report(refs: list[Reference], problems: Problems, message: str) -> None:
    for ref in refs:
        problems.error(ref.path, ref.line, message)


def _cached(store: Path, key: str) -> dict[str, Any] | None:
    """The manifest of `key`'s renditions when they are all in the cache as they were written
    (a file cut short or grown, a damaged manifest: made again)."""
    try:
        manifest = json.loads((store / f"{key}.json").read_text())
        _picture(manifest)  # of the expected shape
        if all((store / r["file"]).stat().st_size == r["size"]
               for r in manifest["renditions"]):
            return manifest
    except (OSError, ValueError, LookupError, TypeError, AttributeError):
        pass
    return None


def _picture(manifest: dict[str, Any]) -> Picture:
    def rendition(r: dict[str, Any]) -> Rendition:
        return Rendition(f"{IMAGE_DIR}/{r['file']}", r["width"], r["height"], r["mime"])

    renditions = [rendition(r) for r in manifest["renditions"] if r["role"] != "og"]
    og = [rendition(r) for r in manifest["renditions"] if r["role"] == "og"]
    webp = [r for r in renditions if r.mime == "image/webp"]
    fallback = [r for r in renditions if r.mime != "image/webp"]
    largest = max(fallback, key=lambda r: r.width)
    return Picture(largest.width, largest.height, webp, fallback, og[0] if og else None)


# -- the work itself, run in worker processes ------------------------------------------


def _render_task(task: tuple) -> dict[str, Any] | str:
    """Render one image into the cache; a manifest, or the message for the editor."""
    rel, source, key, want_og, store, settings = task
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = settings.max_pixels  # Pillow's own guard, at our limit
    try:
        files, manifest = _render(rel, Path(source), key, want_og, settings)
    except Image.DecompressionBombError:
        return (f"image '{rel}' has more pixels than the limit of {settings.max_pixels:,} "
                "(images.max_pixels in site.yaml): export it smaller")
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        return f"cannot read image '{rel}': the file is damaged or not an image ({exc})"
    except MemoryError:
        return f"image '{rel}' is too large to process: export it smaller"
    # Not the image's fault when these fail (a full disk): the build fails, naming the file.
    for name, data in [*files, (f"{key}.json", json.dumps(manifest).encode())]:
        write_whole(Path(store) / name, data)
    return manifest


def _render(rel: str, source: Path, key: str, want_og: bool, settings: ImageSettings
            ) -> tuple[list[tuple[str, bytes]], dict[str, Any]]:
    """The renditions of one image (file name → bytes) and their manifest."""
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        width, height = image.size
        if width * height > settings.max_pixels:
            raise Image.DecompressionBombError(f"{width}×{height}")
        if image.format == "JPEG":  # decode at the smallest DCT scale that is still enough
            needed = max(max(settings.widths), OG_SIZE[0] if want_og else 0)
            sideways = image.getexif().get(0x0112, 1) in (5, 6, 7, 8)
            long_side, short_side = (height, width) if sideways else (width, height)
            request = (needed, max(1, round(needed * short_side / long_side)))
            image.draft(image.mode, request[::-1] if sideways else request)
        image.load()
        image = ImageOps.exif_transpose(image)
        image = _to_srgb(image)
    alpha = image.mode in ("RGBA", "LA")
    fallback_format, fallback_mime = ("PNG", "image/png") if alpha else ("JPEG", "image/jpeg")
    if fallback_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    stem = _stem(rel)
    widths = sorted({w for w in settings.widths if w < image.width} | {
        min(image.width, max(settings.widths))}, reverse=True)
    renditions, files = [], []
    current = image
    for w in widths:
        h = max(1, round(image.height * w / image.width))
        if (w, h) != current.size:
            current = current.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
        for fmt, mime, ext in ((fallback_format, fallback_mime, fallback_format.lower()
                                .replace("jpeg", "jpg")), ("WEBP", "image/webp", "webp")):
            name, data = f"{stem}-{key[:12]}-{w}.{ext}", _encode(current, fmt, settings.quality)
            files.append((name, data))
            renditions.append({"file": name, "size": len(data), "width": w, "height": h,
                               "mime": mime, "role": "picture"})
    if want_og:
        og = _og_crop(image)
        name, data = f"{stem}-{key[:12]}-og.jpg", _encode(og.convert("RGB"), "JPEG",
                                                          settings.quality)
        files.append((name, data))
        renditions.append({"file": name, "size": len(data), "width": og.width,
                           "height": og.height, "mime": "image/jpeg", "role": "og"})
    return files, {"key": key, "source": rel, "renditions": renditions}


def _to_srgb(image):
    """RGB, RGBA, L or LA in sRGB, whatever the source's mode and colour profile."""
    from PIL import ImageCms

    icc = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info) or (
        image.mode in ("RGB", "L") and "transparency" in image.info)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.point(lambda v: v / 256).convert("L") if image.mode != "F" \
            else image.convert("L")
    if image.mode == "1":
        image = image.convert("L")
    if has_alpha and image.mode not in ("RGBA", "LA"):
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        image = image.convert("RGB")
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = {"CMYK": "RGB", "L": "L", "LA": "LA"}.get(image.mode, image.mode)
            if out_mode in ("RGB", "RGBA"):
                image = ImageCms.profileToProfile(
                    image, profile, ImageCms.createProfile("sRGB"), outputMode=out_mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: plain conversion below
    if image.mode == "CMYK":
        image = image.convert("RGB")
    image.info = {}  # nothing of the source's metadata goes any further
    return image


def _og_crop(image):
    """A centred crop at 1200:630, at most 1200×630, never enlarged."""
    from PIL import ImageOps

    target_ratio = OG_SIZE[0] / OG_SIZE[1]
    if image.width / image.height > target_ratio:
        h = min(image.height, OG_SIZE[1])
        size = (round(h * target_ratio), h)
    else:
        w = min(image.width, OG_SIZE[0])
        size = (w, round(w / target_ratio))
    return ImageOps.fit(image, size, centering=(0.5, 0.5))


def _encode(image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        # progressive alone: optimize=True costs far more time than the bytes it saves
        image.save(buffer, "JPEG", quality=quality, progressive=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=quality, method=2)  # 3+: slow for a few % less
    else:
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
