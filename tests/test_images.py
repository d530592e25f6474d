"""The image pipeline, checked on the published files with Pillow."""

from __future__ import annotations

import io
import re
import shutil
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms
from sitekit import build, fails, html, make_site, output_files

PAGE = """\
---
title: Photos
company: Lens Co.
category: smart-health
image: {cover}
image_alt: The cover
---
{body}
"""


def jpeg(size=(800, 600), color=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def photo_site(root: Path, images: dict[str, bytes], cover: str, body: str = "",
               site_extra: str = "") -> Path:
    files: dict[str, str | bytes] = {
        "content/solutions/photos/index.md": PAGE.format(cover=cover, body=body)}
    files.update({f"content/solutions/photos/{name}": data for name, data in images.items()})
    make_site(root, files)
    if site_extra:
        with (root / "content/site.yaml").open("a") as f:
            f.write(site_extra)
    return root


def published(root: Path) -> dict[str, Image.Image]:
    """Every published rendition, opened with Pillow, by file name."""
    return {p.name: Image.open(p) for p in (root / "output/_img").iterdir()}


def renditions_of(root: Path, stem: str) -> dict[str, Image.Image]:
    return {name: im for name, im in published(root).items() if name.startswith(stem + "-")}


def summary(run) -> tuple[int, int]:
    match = re.search(r" Markdown files? and ([\d,]+) images? \(([\d,]+) processed\)", run.stderr)
    assert match, run.stderr
    return int(match.group(1)), int(match.group(2))


def test_sideways_phone_photo_is_published_upright(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    stored = Image.new("RGB", (1200, 800), "white")
    stored.paste((255, 0, 0), (0, 0, 100, 800))  # red stripe on the stored image's left
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", exif=exif)
    photo_site(tmp_path, {"phone.jpg": buffer.getvalue()}, "phone.jpg")
    build(tmp_path)
    for name, image in renditions_of(tmp_path, "phone").items():
        if name.endswith("-og.jpg"):
            continue
        assert image.height > image.width, name  # portrait, as the phone showed it
        top = image.convert("RGB").getpixel((image.width // 2, 2))
        assert top[0] > 200 and top[1] < 80, (name, top)  # the stripe is now on top
        assert "exif" not in image.info and image.getexif().get(0x0112) is None


def test_no_metadata_survives(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0132] = "2020:08:13 17:00:00"  # date
    gps = exif.get_ifd(0x8825)
    gps[2] = (25.0, 2.0, 0.0)  # latitude of Taipei
    gps[1] = "N"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><secret>here</secret></x:xmpmeta>'
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), "green").save(buffer, "JPEG", exif=exif, xmp=xmp,
                                                comment=b"secret comment")
    photo_site(tmp_path, {"gps.jpg": buffer.getvalue()}, "gps.jpg")
    build(tmp_path)
    files = renditions_of(tmp_path, "gps")
    assert len(files) >= 3
    for name, image in files.items():
        assert not image.getexif(), name
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"} & set(
            image.info), (name, image.info.keys())
        raw = (tmp_path / "output/_img" / name).read_bytes()
        assert b"PhoneMaker" not in raw and b"secret" not in raw


def test_cmyk_jpeg_becomes_rgb_with_right_colour(tmp_path):
    buffer = io.BytesIO()
    Image.new("CMYK", (600, 400), (0, 255, 255, 0)).save(buffer, "JPEG")  # pure red ink
    photo_site(tmp_path, {"print.jpg": buffer.getvalue()}, "print.jpg")
    build(tmp_path)
    for name, image in renditions_of(tmp_path, "print").items():
        assert image.mode in ("RGB",), (name, image.mode)
        r, g, b = image.convert("RGB").getpixel((10, 10))
        assert r > 200 and g < 60 and b < 60, (name, (r, g, b))


def test_colour_profile_is_applied_then_removed(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 140, 220)).save(buffer, "JPEG", quality=95,
                                                         icc_profile=srgb)
    photo_site(tmp_path, {"tagged.jpg": buffer.getvalue()}, "tagged.jpg")
    build(tmp_path)
    for name, image in renditions_of(tmp_path, "tagged").items():
        assert "icc_profile" not in image.info, name
        pixel = image.convert("RGB").getpixel((200, 150))
        assert all(abs(a - b) <= 6 for a, b in zip(pixel, (30, 140, 220), strict=True)), pixel


def test_transparent_png_keeps_its_transparency(tmp_path):
    image = Image.new("RGBA", (500, 500), (0, 0, 255, 0))
    image.paste((0, 0, 255, 255), (100, 100, 400, 400))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    photo_site(tmp_path, {"logo.png": buffer.getvalue()}, "logo.png")
    build(tmp_path)
    files = renditions_of(tmp_path, "logo")
    assert any(n.endswith(".png") for n in files) and not any(
        n.endswith(".jpg") and not n.endswith("-og.jpg") for n in files)
    for name, rendition in files.items():
        if name.endswith("-og.jpg"):
            continue
        rgba = rendition.convert("RGBA")
        assert rgba.getpixel((0, 0))[3] == 0, name  # the corner stays see-through
        assert rgba.getpixel((rgba.width // 2, rgba.height // 2))[3] == 255, name


def test_tiny_image_is_never_upscaled_and_has_dimensions(tmp_path):
    photo_site(tmp_path, {"tiny.jpg": jpeg((120, 80))}, "tiny.jpg",
               body="![A tiny picture](tiny.jpg)")
    build(tmp_path)
    files = renditions_of(tmp_path, "tiny")
    for name, image in files.items():
        assert image.size == (120, 80) or name.endswith("-og.jpg"), (name, image.size)
        assert image.width <= 120
    page = html(tmp_path / "output/en/solutions/photos/index.html")
    img = page.find("img", alt="A tiny picture")
    assert img.find_parent("picture") is not None
    assert (img["width"], img["height"]) == ("120", "80")
    assert img["loading"] == "lazy" and img["decoding"] == "async"


def test_renditions_at_configured_widths_with_srcset_and_sizes(tmp_path):
    photo_site(tmp_path, {"big.jpg": jpeg((2000, 1000))}, "big.jpg",
               body="Text.\n\n![A big picture](big.jpg)\n",
               site_extra="images: {widths: [320, 800, 1600]}\n")
    build(tmp_path)
    widths = sorted({im.width for n, im in renditions_of(tmp_path, "big").items()
                     if n.endswith(".webp")})
    assert widths == [320, 800, 1600]
    page = html(tmp_path / "output/en/solutions/photos/index.html")
    picture = page.find("img", alt="A big picture").find_parent("picture")
    source = picture.find("source", type="image/webp")
    assert [c.split()[1] for c in source["srcset"].split(", ")] == ["320w", "800w", "1600w"]
    img = picture.find("img")
    assert img["sizes"] and img["width"] == "1600" and img["height"] == "800"
    for candidate in source["srcset"].split(", ") + img["srcset"].split(", "):
        assert (tmp_path / "output" / candidate.split()[0].lstrip("/")).is_file()


def test_first_image_of_a_page_loads_eagerly_and_cover_gets_og_crop(tmp_path):
    photo_site(tmp_path, {"big.jpg": jpeg((2400, 1600)), "b.jpg": jpeg((900, 600))},
               "big.jpg", body="![Second](b.jpg)")
    build(tmp_path)
    page = html(tmp_path / "output/en/solutions/photos/index.html")
    og = page.find("meta", property="og:image")["content"]
    assert og.startswith("https://example.org/_img/big-") and og.endswith("-og.jpg")
    crop = Image.open(tmp_path / "output" / og.removeprefix("https://example.org/"))
    assert crop.size == (1200, 630)
    # The cover comes first: the body image is lazy.
    assert page.find("img", alt="Second")["loading"] == "lazy"
    cover = page.find("img", alt="The cover")
    assert cover.get("loading") != "lazy"
    assert cover.find_parent("picture") is not None
    assert (cover["width"], cover["height"]) == ("1600", "1067")  # the largest rendition
    # Every image of every page has its dimensions (no layout shift) and decodes async.
    for path in (tmp_path / "output").rglob("*.html"):
        for img in html(path).find_all("img"):
            if img.find_parent("picture") is not None:
                assert img.get("width") and img.get("height") and img.get("alt") is not None
                assert img["decoding"] == "async", path


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header claiming a huge size, with a tiny body: decoding it would need
    width × height bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def test_bomb_and_corrupt_files_are_errors_at_the_referencing_lines(tmp_path):
    corrupt = jpeg((800, 600))[:400]  # truncated mid-scan
    photo_site(tmp_path, {"bomb.png": png_bomb(100_000, 100_000), "broken.jpg": corrupt,
                          "fake.jpg": b"this is not an image at all"},
               "bomb.png", body="Intro.\n\n![Broken](broken.jpg)\n\n![Fake](fake.jpg)\n")
    started = time.monotonic()
    run = fails(tmp_path)
    assert time.monotonic() - started < 60
    page = "content/solutions/photos/index.md"
    assert (f"{page}:5: error: image 'solutions/photos/bomb.png' has more pixels than the "
            "limit of 50,000,000 (images.max_pixels in site.yaml): export it smaller"
            ) in run.lines
    assert any(line.startswith(f"{page}:10: error: cannot read image "
                               "'solutions/photos/broken.jpg'") for line in run.lines), run.lines
    assert any(line.startswith(f"{page}:12: error: cannot read image "
                               "'solutions/photos/fake.jpg'") for line in run.lines), run.lines
    assert "Traceback" not in run.stderr


def test_pixel_limit_is_a_setting(tmp_path):
    photo_site(tmp_path, {"big.jpg": jpeg((1000, 1000))}, "big.jpg",
               site_extra="images: {max_pixels: 500000}\n")
    run = fails(tmp_path)
    assert "has more pixels than the limit of 500,000" in run.stderr


def test_second_build_processes_no_image_and_one_change_reprocesses_one(tmp_path):
    images = {f"p{i}.jpg": jpeg((700, 500), (i * 40, 90, 90)) for i in range(4)}
    body = "\n\n".join(f"![Photo {i}](p{i}.jpg)" for i in range(1, 4))
    photo_site(tmp_path, images, "p0.jpg", body=body)
    assert summary(build(tmp_path)) == (4, 4)
    cache = tmp_path / ".expo-cache/images"
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert summary(build(tmp_path)) == (4, 0)
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == before
    (tmp_path / "content/solutions/photos/p2.jpg").write_bytes(jpeg((700, 500), (1, 2, 3)))
    assert summary(build(tmp_path)) == (4, 1)
    after = {p.name for p in cache.iterdir()}
    # The old p2 renditions were pruned, the others kept.
    assert {n for n in before if n.startswith("p2-")}.isdisjoint(after)
    assert {n for n in before if not n.startswith("p2-") and n.endswith(".webp")} <= after


def test_same_image_in_many_bundles_is_processed_once_and_named_alike(tmp_path):
    # Eight bundles with the same cover.png and photo.jpg: built with two workers, each
    # picture is rendered once (two renders writing the same cache file raced before).
    buffer = io.BytesIO()
    Image.new("RGB", (640, 400), "teal").save(buffer, "PNG")
    cover = buffer.getvalue()
    files: dict[str, str | bytes] = {}
    for i in range(8):
        files[f"content/solutions/s{i}/index.md"] = PAGE.format(
            cover="cover.png", body="![Photo](photo.jpg)\n\n![Broken](broken.jpg)\n")
        files[f"content/solutions/s{i}/cover.png"] = cover
        files[f"content/solutions/s{i}/photo.jpg"] = jpeg((900, 600))
        files[f"content/solutions/s{i}/broken.jpg"] = b"not an image"
    make_site(tmp_path, files)
    run = fails(tmp_path, "--jobs", "2")
    for i in range(8):  # the one damaged file is named at every page that uses it
        assert any(line.startswith(f"content/solutions/s{i}/index.md:10: error: cannot read "
                                   f"image 'solutions/s{i}/broken.jpg'") for line in run.lines)
    for i in range(8):
        (tmp_path / f"content/solutions/s{i}/index.md").write_text(PAGE.format(
            cover="cover.png", body="![Photo](photo.jpg)\n"))
    assert summary(build(tmp_path, "--jobs", "2")) == (16, 0)  # the good ones were kept
    shutil.rmtree(tmp_path / ".expo-cache")
    assert summary(build(tmp_path, "--jobs", "2")) == (16, 2)
    used = {frozenset(re.findall(r"_img/[^\s\"',]+", page.read_text()))
            for page in (tmp_path / "output/en/solutions").glob("s*/index.html")}
    assert len(used) == 1 and len(next(iter(used))) > 4, used  # the same renditions everywhere
    # With the first bundle gone, an incremental build equals a clean one (the search index,
    # whose bytes vary from run to run, left out).
    build(tmp_path, "--jobs", "2", "--no-search")
    shutil.rmtree(tmp_path / "content/solutions/s0")
    build(tmp_path, "--jobs", "2", "--no-search")
    incremental = output_files(tmp_path / "output")
    shutil.rmtree(tmp_path / ".expo-cache")
    build(tmp_path, "--jobs", "2", "--no-search")
    assert output_files(tmp_path / "output") == incremental


def test_originals_published_only_when_asked(tmp_path):
    photo_site(tmp_path, {"a.jpg": jpeg()}, "a.jpg")
    build(tmp_path)
    assert not (tmp_path / "output/media").exists()
    with (tmp_path / "content/site.yaml").open("a") as f:
        f.write("images: {originals: true}\n")
    build(tmp_path)
    assert (tmp_path / "output/media/solutions/photos/a.jpg").read_bytes() == jpeg()


@pytest.mark.parametrize("mode", ["L", "LA", "P", "I;16", "1"])
def test_unusual_modes_are_published(tmp_path, mode):
    image = Image.new(mode, (300, 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    photo_site(tmp_path, {"odd.png": buffer.getvalue()}, "odd.png")
    build(tmp_path)
    assert len(renditions_of(tmp_path, "odd")) >= 2
