"""The image pipeline as a user meets it: what is refused, what is stored, at what size.

Inputs are made here with Pillow (or by hand, for files Pillow will not write).
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageChops, ImageFile

from folio.media import processing
from folio.media.processing import (
    Encoded,
    ImageLimits,
    ImageRejected,
    make_variants,
    process_upload,
    sniff,
    variant_name,
)

LIMITS = ImageLimits()


def _photo(size: tuple[int, int]) -> Image.Image:
    """Gradients and grain: compresses like a photo, not like a flat colour."""
    grain = Image.effect_noise(size, 20)
    red = ImageChops.add(Image.linear_gradient("L").resize(size), grain, 2.0, -40)
    green = ImageChops.add(Image.radial_gradient("L").resize(size), grain, 2.0, -30)
    blue = ImageChops.add(Image.linear_gradient("L").rotate(90).resize(size), grain, 2.0, -64)
    return Image.merge("RGB", (red, green, blue))


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _jpeg(size: tuple[int, int] = (400, 300), **options: object) -> bytes:
    return _save(_photo(size), "JPEG", quality=90, **options)


def _gif(frames: int, size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    # Neighbouring frames differ, or the encoder would merge them.
    pictures = [Image.new("RGB", size, (255 * (i % 2), 40 * (i % 5), 90)) for i in range(frames)]
    return _save(pictures[0], "GIF", save_all=True, append_images=pictures[1:], **options)


def _open(encoded: Encoded | bytes) -> Image.Image:
    data = encoded.data if isinstance(encoded, Encoded) else encoded
    return Image.open(io.BytesIO(data))


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_a_text_file_is_refused() -> None:
    with pytest.raises(ImageRejected, match="not an image Folio accepts: JPEG, PNG, WebP or GIF"):
        process_upload(b"hello, not a picture", LIMITS)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ImageRejected, match="empty") as refused:
        process_upload(b"", LIMITS)
    assert refused.value.status == 400


def test_an_svg_is_refused() -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>'
    with pytest.raises(ImageRejected, match="not an image Folio accepts"):
        process_upload(svg, LIMITS)


def test_a_file_over_the_byte_limit_is_refused_with_413() -> None:
    data = _jpeg((200, 200))
    with pytest.raises(ImageRejected, match="too large") as refused:
        process_upload(data, ImageLimits(max_bytes=len(data) - 1))
    assert refused.value.status == 413


def test_a_truncated_jpeg_is_refused_as_unreadable() -> None:
    data = _jpeg()
    with pytest.raises(ImageRejected, match="could not be read"):
        process_upload(data[: len(data) // 2], LIMITS)


def test_a_jpeg_with_a_script_appended_is_refused() -> None:
    with pytest.raises(ImageRejected, match="markup or script"):
        process_upload(_jpeg() + b"<script>alert(1)</script>", LIMITS)


def test_data_after_the_end_of_a_png_or_gif_is_refused() -> None:
    png = _save(Image.new("RGB", (20, 20), "teal"), "PNG")
    for data in (png + b"PK\x03\x04 a zip after IEND", _gif(2) + b"more"):
        with pytest.raises(ImageRejected, match="data after its end"):
            process_upload(data, LIMITS)


def test_a_small_png_of_400_megapixels_is_refused_without_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 20,000 × 20,000 one-bit pixels, all zero: a 50 MB stream deflates to ~50 KB.
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + 20_000 // 8)
    pixels = b"".join(packer.compress(row) for _ in range(20_000)) + packer.flush()
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 20_000, 20_000, 1, 0, 0, 0, 0))
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )
    assert len(bomb) < 100_000

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for attempt in (sniff, process_upload):
        with pytest.raises(ImageRejected, match="too large: 20000×20000 pixels"):
            attempt(bomb, LIMITS)


def test_a_gif_of_1000_frames_is_refused() -> None:
    data = _gif(1000, size=(4, 4))
    with pytest.raises(ImageRejected, match="too many frames"):
        process_upload(data, LIMITS)


def test_a_png_named_jpg_is_taken_as_the_png_it_is() -> None:
    # The client's "holiday.jpg" and "image/jpeg" are never consulted: only bytes are.
    data = _save(_photo((300, 200)), "PNG")
    assert sniff(data, LIMITS) == ("png", 300, 200, 1)
    stored = process_upload(data, LIMITS)
    assert (stored.format, stored.mime, variant_name(stored, original=True)) == (
        "png",
        "image/png",
        "original.png",
    )
    assert _open(stored).format == "PNG"


def _jpeg_with_private_metadata() -> bytes:
    # Left half red, right half blue, stored sideways: Orientation 6 turns it upright.
    picture = Image.new("RGB", (200, 100), "red")
    picture.paste("blue", (100, 0, 200, 100))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    gps[ExifTags.GPS.GPSMapDatum] = "WGS-84-home"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">photographer-at-home</x:xmpmeta>'
    return _save(picture, "JPEG", exif=exif.tobytes(), xmp=xmp, comment=b"taken at home")


def test_exif_orientation_is_applied_and_all_metadata_is_dropped() -> None:
    data = _jpeg_with_private_metadata()
    for private in (b"Exif", b"WGS-84-home", b"PhoneMaker", b"photographer-at-home"):
        assert private in data

    stored = process_upload(data, LIMITS)

    out = _open(stored)
    assert (stored.width, stored.height) == out.size == (100, 200)
    top, bottom = out.getpixel((50, 20)), out.getpixel((50, 180))
    assert top[0] > 200  # red: the left side is now on top
    assert bottom[2] > 200
    assert dict(out.getexif()) == {}
    for private in (b"Exif", b"GPS", b"WGS-84-home", b"PhoneMaker", b"xmpmeta", b"at home"):
        assert private not in stored.data


def test_an_animated_gif_stays_animated_in_the_original_and_its_variants() -> None:
    durations = [100, 120, 140, 160, 180]
    data = _gif(5, duration=durations, loop=0)

    stored = process_upload(data, LIMITS)
    variants = make_variants(stored, (32, 1000))

    assert (stored.format, stored.frames, stored.width, stored.height) == ("gif", 5, 64, 48)
    out = _open(stored)
    assert out.info["loop"] == 0
    kept = []
    for index in range(5):
        out.seek(index)
        kept.append(out.info["duration"])
    assert kept == durations
    assert [(v.format, v.width, v.height, v.frames) for v in variants] == [
        ("webp", 32, 24, 5),
        ("gif", 32, 24, 5),
        ("webp", 64, 48, 5),
    ]
    for variant in variants:
        assert getattr(_open(variant), "n_frames", 1) == 5


def test_variants_are_never_upscaled_and_keep_the_aspect_ratio() -> None:
    stored = process_upload(_jpeg((1000, 750)), LIMITS)

    variants = make_variants(stored, LIMITS.widths)

    expected = [
        ("webp", 480, 360),
        ("jpeg", 480, 360),
        ("webp", 960, 720),
        ("jpeg", 960, 720),
        ("webp", 1000, 750),
    ]
    assert [(v.format, v.width, v.height) for v in variants] == expected
    for variant in variants:
        assert _open(variant).size == (variant.width, variant.height)
    assert [variant_name(v) for v in variants[:2]] == ["480.webp", "480.jpg"]
    small = process_upload(_jpeg((300, 200)), LIMITS)
    assert [(v.format, v.width) for v in make_variants(small, LIMITS.widths)] == [("webp", 300)]


def test_an_avatar_is_the_centred_square_capped_at_the_avatar_edge() -> None:
    picture = Image.new("RGB", (300, 200), "red")
    picture.paste("lime", (100, 0, 200, 200))
    limits = ImageLimits(avatar_edge=128)

    avatar = process_upload(_save(picture, "PNG"), limits, square=True)

    out = _open(avatar).convert("RGB")
    assert (avatar.width, avatar.height) == out.size == (128, 128)
    assert out.getpixel((64, 64)) == (0, 255, 0)
    small = process_upload(_jpeg((100, 60)), limits, square=True)
    assert (small.width, small.height) == (60, 60)  # never upscaled


def test_a_webp_upload_keeps_its_alpha_and_gets_webp_variants_only() -> None:
    picture = Image.new("RGBA", (1200, 800), (10, 120, 200, 128))
    data = _save(picture, "WEBP", quality=90)
    assert sniff(data, LIMITS) == ("webp", 1200, 800, 1)

    stored = process_upload(data, LIMITS)
    variants = make_variants(stored, LIMITS.widths)

    assert (stored.format, stored.mime, _open(stored).mode) == ("webp", "image/webp", "RGBA")
    assert [(v.format, v.width, v.height) for v in variants] == [
        ("webp", 480, 320),
        ("webp", 960, 640),
    ]


def test_a_cmyk_jpeg_is_stored_as_rgb() -> None:
    data = _save(Image.new("CMYK", (120, 80), (0, 255, 255, 0)), "JPEG")
    stored = process_upload(data, LIMITS)
    assert _open(stored).mode == "RGB"


@pytest.fixture(scope="module")
def photo_24mp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6000×4000 phone photo stored sideways (EXIF Orientation 6), quality 92."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    path = tmp_path_factory.mktemp("photos") / "24mp.jpg"
    _photo((6000, 4000)).save(path, "JPEG", quality=92, exif=exif.tobytes())
    return path


def test_a_24_megapixel_photo_is_stored_at_most_2560_on_its_longest_edge(
    photo_24mp: Path,
) -> None:
    stored = process_upload(photo_24mp.read_bytes(), LIMITS)
    assert (stored.width, stored.height) == _open(stored).size == (1707, 2560)


MEASURE = textwrap.dedent(
    """
    import io, sys
    from PIL import Image, ImageOps
    from folio.media.processing import ImageLimits, process_upload

    def peak_kib():
        # VmHWM, not ru_maxrss: Linux carries the parent's peak across fork and exec
        # into ru_maxrss, so a child forked from this test would start at ~240 MB.
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))

    data = open(sys.argv[2], "rb").read()
    before = peak_kib()
    if sys.argv[1] == "folio":
        process_upload(data, ImageLimits())
    else:  # what a first version would do: decode it all, then turn and scale
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        image.resize((1707, 2560), Image.Resampling.LANCZOS).save(io.BytesIO(), "JPEG")
    print(peak_kib() - before)
    """
)


def _peak_kib(pipeline: str, photo: Path) -> int:
    """Peak RSS growth (KiB) of one pipeline in a fresh interpreter: Pillow allocates in
    C, where tracemalloc does not see."""
    src = Path(processing.__file__).resolve().parents[2]
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", MEASURE, pipeline, str(photo)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(src)},
    )
    return int(done.stdout)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM")
def test_a_24_megapixel_photo_is_never_decoded_at_full_size(photo_24mp: Path) -> None:
    folio, naive = _peak_kib("folio", photo_24mp), _peak_kib("naive", photo_24mp)
    # Full size is 6000×4000×4 bytes = 96 MB; Folio decodes at 1/2 scale (24 MB).
    assert naive > 90_000
    assert folio < 0.7 * naive, f"folio {folio} KiB, naive {naive} KiB"


def test_limits_come_from_the_media_settings() -> None:
    limits = ImageLimits.from_config(
        {"MEDIA_MAX_EDGE": 1000, "MEDIA_WIDTHS": [320, 640], "MEDIA_MAX_BYTES": 1024}
    )
    assert (limits.max_edge, limits.widths, limits.max_bytes) == (1000, (320, 640), 1024)
    assert limits.max_pixels == LIMITS.max_pixels


def test_an_animation_of_few_frames_on_a_huge_canvas_is_refused_before_decoding() -> None:
    # Each frame passes the still-image limit; together they would cost minutes of CPU.
    limits = ImageLimits(max_pixels=4_000_000, max_animation_pixels=10_000_000)
    data = _gif(5, size=(2000, 1500))
    with pytest.raises(ImageRejected, match="animation is too large"):
        sniff(data, limits)
    assert sniff(_gif(5, size=(1000, 1000)), limits)[3] == 5
