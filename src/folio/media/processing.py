"""Uploads in, safe images out: the Pillow pipeline (pure functions, no Flask, no DB).

:func:`sniff` decides from the bytes alone what an upload is, and refuses what Folio does
not take, reading headers only: the format (JPEG, PNG, WebP, GIF), the canvas and the
frame count come from our own walk over the file's structure, so a decompression bomb is
refused before a single pixel is decoded. :func:`process_upload` then decodes and
re-encodes: the stored original is a new file, upright, scaled to the limits, with no
metadata and nothing appended. :func:`make_variants` makes the responsive sizes from it.

Memory: a big JPEG is decoded at 1/2, 1/4 or 1/8 scale when it is going to be scaled
down anyway (``Image.draft``), and resizing goes through ``reduce()`` first
(``reducing_gap``), so the full-size bitmap of a phone photo is never held.
"""

from __future__ import annotations

import math
import re
import struct
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from PIL import Image, ImageOps

from folio.i18n import N_, Problem

FORMATS: dict[str, tuple[str, str, str]] = {
    # ours: (MIME type, file extension, Pillow's name)
    "jpeg": ("image/jpeg", "jpg", "JPEG"),
    "png": ("image/png", "png", "PNG"),
    "webp": ("image/webp", "webp", "WEBP"),
    "gif": ("image/gif", "gif", "GIF"),
}
# Phone cameras write multi-picture JPEGs, which Pillow names MPO; we keep the first.
PILLOW_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# The plugins Image.open may try (MPO has none of its own: the JPEG one returns it).
OPENERS = ["JPEG", "PNG", "WEBP", "GIF"]

NOT_ACCEPTED = N_("This file is not an image Folio accepts: JPEG, PNG, WebP or GIF.")
UNREADABLE = N_("This image could not be read: the file is damaged or incomplete.")
TRAILING = N_("This image has data after its end, which Folio does not accept.")
MARKUP_FOUND = N_("This image contains markup or script, which Folio does not accept in images.")

# Markup a browser or an interpreter would act on, as a tag its tokenizer reads: the name
# must end in whitespace, "/" or ">". Without that boundary, 4 random bytes of compressed
# pixel data spell "<svg" about once in 180 three-megabyte photos.
MARKUP = re.compile(rb"<(?i:script|html|\?php|svg|!doctype|body|iframe|\?xml)[\t\n\f\r />]")

# What Pillow raises on broken or hostile files; anything else is a bug and propagates.
READ_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
)

SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "jpeg": {"quality": 85, "progressive": True, "optimize": True},
    "png": {"optimize": True},
    "webp": {"quality": 80, "method": 4},
    "gif": {"optimize": True},
}

JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


class ImageRejected(Exception):
    """An upload Folio refuses; ``message`` is shown to the user as is."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int = 20 * 1024 * 1024
    # width*height of the upload's canvas, checked before any pixel is decoded
    max_pixels: int = 50_000_000
    max_frames: int = 200
    # frames × canvas of an animation: each frame is decoded at full canvas, so a small
    # file of many huge frames would cost minutes of CPU although each passes max_pixels
    max_animation_pixels: int = 100_000_000
    # longest edge of the stored original; larger uploads are scaled down
    max_edge: int = 2560
    widths: tuple[int, ...] = (480, 960, 1600)
    avatar_edge: int = 512
    avatar_widths: tuple[int, ...] = (64, 128, 256)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ImageLimits:
        """The limits the app's ``MEDIA_*`` settings describe."""
        default = cls()
        return cls(
            max_bytes=int(config.get("MEDIA_MAX_BYTES", default.max_bytes)),
            max_pixels=int(config.get("MEDIA_MAX_PIXELS", default.max_pixels)),
            max_frames=int(config.get("MEDIA_MAX_FRAMES", default.max_frames)),
            max_animation_pixels=int(
                config.get("MEDIA_MAX_ANIMATION_PIXELS", default.max_animation_pixels)
            ),
            max_edge=int(config.get("MEDIA_MAX_EDGE", default.max_edge)),
            widths=tuple(int(w) for w in config.get("MEDIA_WIDTHS", default.widths)),
            avatar_edge=int(config.get("MEDIA_AVATAR_EDGE", default.avatar_edge)),
            avatar_widths=tuple(
                int(w) for w in config.get("MEDIA_AVATAR_WIDTHS", default.avatar_widths)
            ),
        )


@dataclass(frozen=True)
class Encoded:
    data: bytes
    format: str  # "jpeg" | "png" | "webp" | "gif"
    width: int
    height: int
    frames: int = 1

    @property
    def mime(self) -> str:
        return FORMATS[self.format][0]

    @property
    def ext(self) -> str:
        return FORMATS[self.format][1]


def variant_name(encoded: Encoded, original: bool = False) -> str:
    """The file's name under its image's key: ``original.jpg``, ``960.webp``."""
    return f"original.{encoded.ext}" if original else f"{encoded.width}.{encoded.ext}"


# --- sniffing: headers only ------------------------------------------------------------


def sniff(data: bytes, limits: ImageLimits) -> tuple[str, int, int, int]:
    """``(format, width, height, frames)`` of an upload, from its bytes alone.

    Width and height are the canvas as stored (before any EXIF orientation). Raises
    :class:`ImageRejected` for anything Folio does not store; decodes no pixels.
    """
    if not data:
        raise ImageRejected(N_("The file is empty."))
    if len(data) > limits.max_bytes:
        raise ImageRejected(
            Problem(
                N_("The file is too large: the limit is %(limit)s."),
                limit=megabytes(limits.max_bytes),
            ),
            status=413,
        )
    fmt = _magic(data)
    if fmt is None:
        raise ImageRejected(NOT_ACCEPTED)
    if MARKUP.search(data):
        raise ImageRejected(MARKUP_FOUND)
    width, height, frames = HEADERS[fmt](data, limits)
    _check_canvas(width, height, limits)
    _check_frames(frames, limits)
    if frames > 1 and frames * width * height > limits.max_animation_pixels:
        raise ImageRejected(
            Problem(
                N_(
                    "The animation is too large: %(frames)s frames of %(width)s×%(height)s "
                    "pixels; the limit is %(megapixels)s megapixels in all."
                ),
                frames=str(frames),
                width=str(width),
                height=str(height),
                megapixels=f"{limits.max_animation_pixels / 1_000_000:g}",
            )
        )
    # Pillow must read the same thing our walk did (two SOF markers, say, could differ).
    with _reading(), Image.open(BytesIO(data), formats=OPENERS) as im:
        if PILLOW_FORMATS.get(im.format or "") != fmt:
            raise ImageRejected(UNREADABLE)
        _check_canvas(im.width, im.height, limits)
    return fmt, width, height, frames


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _magic(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    return None


def _check_canvas(width: int, height: int, limits: ImageLimits) -> None:
    if width <= 0 or height <= 0:
        raise ImageRejected(UNREADABLE)
    if width * height > limits.max_pixels:
        raise ImageRejected(
            Problem(
                N_(
                    "The image is too large: %(width)s×%(height)s pixels; the limit is "
                    "%(megapixels)s megapixels."
                ),
                width=str(width),
                height=str(height),
                megapixels=f"{limits.max_pixels / 1_000_000:g}",
            )
        )


def _check_frames(frames: int, limits: ImageLimits) -> None:
    if frames > limits.max_frames:
        raise ImageRejected(
            Problem(
                N_("The animation has too many frames: the limit is %(count)s."),
                count=str(limits.max_frames),
            )
        )


def _jpeg_header(data: bytes, limits: ImageLimits) -> tuple[int, int, int]:
    # Markers up to the first start-of-frame, which holds the size.
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in JPEG_STANDALONE:
            pos += 2
            continue
        if marker in JPEG_SOF and pos + 9 <= len(data):
            height, width = struct.unpack_from(">HH", data, pos + 5)
            return width, height, 1
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header
            break
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    raise ImageRejected(UNREADABLE)


def _png_header(data: bytes, limits: ImageLimits) -> tuple[int, int, int]:
    # Chunk by chunk (length, type, data, CRC) to IEND; acTL counts an APNG's frames.
    width = height = 0
    frames, pos = 1, 8
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if kind == b"IHDR" and pos + 16 <= len(data):
            width, height = struct.unpack_from(">II", data, pos + 8)
        elif kind == b"acTL" and pos + 12 <= len(data):
            frames = int.from_bytes(data[pos + 8 : pos + 12], "big")
        elif kind == b"IEND":
            if pos + 12 < len(data):
                raise ImageRejected(TRAILING)
            return width, height, frames
        pos += 12 + length
    raise ImageRejected(UNREADABLE)


def _gif_header(data: bytes, limits: ImageLimits) -> tuple[int, int, int]:
    # Blocks to the trailer (0x3B): extensions (0x21) and image descriptors (0x2C).
    if len(data) < 13:
        raise ImageRejected(UNREADABLE)
    width, height, flags = struct.unpack_from("<HHB", data, 6)
    frames, pos = 0, 13 + _gif_color_table(flags)
    while pos < len(data):
        block = data[pos]
        if block == 0x3B:
            if pos + 1 < len(data):
                raise ImageRejected(TRAILING)
            break
        if block == 0x21:
            pos = _gif_skip_sub_blocks(data, pos + 2)
        elif block == 0x2C and pos + 10 <= len(data):
            left, top, w, h, flags = struct.unpack_from("<HHHHB", data, pos + 1)
            # A frame may reach past the logical screen; Pillow then grows the canvas.
            width, height = max(width, left + w), max(height, top + h)
            frames += 1
            _check_frames(frames, limits)  # stop counting a million frames early
            pos = _gif_skip_sub_blocks(data, pos + 10 + _gif_color_table(flags) + 1)
        else:
            raise ImageRejected(UNREADABLE)
    # A missing trailer alone is tolerated (some encoders omit it); a cut block is not.
    if frames == 0:
        raise ImageRejected(UNREADABLE)
    return width, height, frames


def _gif_color_table(flags: int) -> int:
    return 3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0


def _gif_skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    raise ImageRejected(UNREADABLE)


def _webp_header(data: bytes, limits: ImageLimits) -> tuple[int, int, int]:
    # RIFF chunks; the first (VP8X, VP8L or "VP8 ") gives the canvas, ANMF are frames.
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data):
        raise ImageRejected(UNREADABLE)
    if end < len(data):
        raise ImageRejected(TRAILING)
    size: tuple[int, int] | None = None
    frames, pos = 0, 12
    while pos + 8 <= end:
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if size is None:
            size = _webp_size(kind, data[pos + 8 : pos + 18])
        if kind == b"ANMF":
            frames += 1
            _check_frames(frames, limits)
        pos += 8 + length + (length & 1)
    if size is None:
        raise ImageRejected(UNREADABLE)
    return size[0], size[1], max(frames, 1)


def _webp_size(kind: bytes, head: bytes) -> tuple[int, int]:
    if len(head) < 10:
        raise ImageRejected(UNREADABLE)
    if kind == b"VP8X":  # canvas width-1 and height-1, 24 bits each
        return 1 + int.from_bytes(head[4:7], "little"), 1 + int.from_bytes(head[7:10], "little")
    if kind == b"VP8L":  # after the 0x2F signature: 14 bits width-1, 14 bits height-1
        bits = int.from_bytes(head[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if kind == b"VP8 ":  # after the frame tag and start code: 14-bit width and height
        width, height = struct.unpack_from("<HH", head, 6)
        return width & 0x3FFF, height & 0x3FFF
    raise ImageRejected(UNREADABLE)


HEADERS: dict[str, Callable[[bytes, ImageLimits], tuple[int, int, int]]] = {
    "jpeg": _jpeg_header,
    "png": _png_header,
    "gif": _gif_header,
    "webp": _webp_header,
}


@contextmanager
def _reading() -> Iterator[None]:
    """Pillow's errors on broken or hostile files become :class:`ImageRejected`.

    Our own pixel check has run first; Pillow's bomb check (a warning, then an error) is
    a second line and must never escape. catch_warnings is process-wide, which is fine
    for Folio's sync workers.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow's own remarks on odd files (not deprecations, which name our code).
            warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(N_("The image is too large to process.")) from exc
    except READ_ERRORS as exc:
        raise ImageRejected(UNREADABLE) from exc


# --- processing ------------------------------------------------------------------------


def process_upload(data: bytes, limits: ImageLimits, *, square: bool = False) -> Encoded:
    """The sanitised original: upright, scaled to ``max_edge`` (or the centred square
    capped at ``avatar_edge``), no metadata, re-encoded in the upload's format."""
    fmt, _, _, frames = sniff(data, limits)
    edge = limits.avatar_edge if square else limits.max_edge
    durations, loop = None, None
    with _reading():
        with Image.open(BytesIO(data), formats=OPENERS) as im:
            icc = im.info.get("icc_profile")
            if frames > 1:
                size = _animation_size(_target(im.size, edge, square), frames, limits)
                pictures, durations, loop = _read_frames(im, size, square, limits.max_frames)
            else:
                pictures = [_read_still(im, fmt, edge, square)]
        # Encoded after the file is closed: its decoded bitmap is freed by then.
        return _encode(pictures, fmt, icc=icc, durations=durations, loop=loop)


def _target(size: tuple[int, int], edge: int, square: bool) -> tuple[int, int]:
    """The output size (as stored, before orientation): never larger than the input."""
    width, height = size
    if square:
        side = min(width, height, edge)
        return side, side
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _animation_size(size: tuple[int, int], frames: int, limits: ImageLimits) -> tuple[int, int]:
    # Every frame is held at this size: together they get the pixels of one largest still.
    width, height = size
    if frames * width * height <= limits.max_pixels:
        return size
    scale = math.sqrt(limits.max_pixels / (frames * width * height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _read_still(im: Image.Image, fmt: str, edge: int, square: bool) -> Image.Image:
    target = _target(im.size, edge, square)
    if fmt == "jpeg" and target != im.size:
        # Decode at the smallest 1/2^n scale still at least as large as what we keep.
        width, height = im.size
        ratio = target[0] / min(width, height) if square else target[0] / width
        im.draft(None, (math.ceil(width * ratio), math.ceil(height * ratio)))
    im.load()
    # Never the file itself: _upright copies even an unturned picture.
    return _upright(_fit(_working(im, fmt), target, square))


def _read_frames(
    im: Image.Image, size: tuple[int, int], square: bool, max_frames: int
) -> tuple[list[Image.Image], list[int], int | None]:
    """Every frame, composited by Pillow, scaled as it is read; durations; loop count."""
    loop = im.info.get("loop")
    count = getattr(im, "n_frames", 1)
    if count > max_frames:  # Pillow counted differently from our walk
        raise ImageRejected(UNREADABLE)
    pictures, durations = [], []
    for index in range(count):
        im.seek(index)
        pictures.append(_upright(_fit(im.convert("RGBA"), size, square)))
        durations.append(round(float(im.info.get("duration", 100))))
    return pictures, durations, loop


def _fit(picture: Image.Image, size: tuple[int, int], square: bool) -> Image.Image:
    if square:
        width, height = picture.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        picture = picture.crop((left, top, left + side, top + side))
    if picture.size == size:
        return picture
    # reduce() by whole factors first, then Lanczos for the rest: fast and bounded.
    return picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _upright(picture: Image.Image) -> Image.Image:
    # Turned last, on the small picture: the EXIF travels in info through resize and crop.
    return ImageOps.exif_transpose(picture)


def _working(im: Image.Image, fmt: str) -> Image.Image:
    """A mode Pillow resizes well and ``fmt`` can hold; alpha kept where it can be."""
    mode = im.mode
    if mode.startswith("I"):  # 16-bit grey: scale to 8 bits rather than clip
        return im.convert("I").point(lambda v: v / 256).convert("L")
    alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    if fmt == "jpeg":
        wanted = "L" if mode in ("1", "L") else "RGB"
    elif fmt == "png" and mode in ("1", "L", "LA", "RGB", "RGBA"):
        wanted = "L" if mode == "1" else mode
    else:
        wanted = "RGBA" if alpha else "RGB"
    return im if mode == wanted else im.convert(wanted)


# --- encoding --------------------------------------------------------------------------


def _encode(
    pictures: list[Image.Image],
    fmt: str,
    *,
    icc: bytes | None = None,
    durations: list[int] | None = None,
    loop: int | None = None,
) -> Encoded:
    """A new file from pixels alone: no EXIF, XMP, comments or text chunks (info is
    emptied); the ICC profile is kept when it fits, as colours depend on it."""
    first = _for_format(pictures[0], fmt)
    options = dict(SAVE_OPTIONS[fmt])
    if icc and _icc_fits(icc, first.mode):
        options["icc_profile"] = icc
    if len(pictures) > 1:
        options.update(_animation_options(pictures, fmt, durations, loop))
    first.info = {}
    out = BytesIO()
    first.save(out, FORMATS[fmt][2], **options)
    data = out.getvalue()
    frames = 1
    if len(pictures) > 1:
        # Encoders merge identical neighbouring frames: count what was written.
        with Image.open(BytesIO(data)) as written:
            frames = getattr(written, "n_frames", 1)
    return Encoded(data, fmt, first.width, first.height, frames)


def _animation_options(
    pictures: list[Image.Image], fmt: str, durations: list[int] | None, loop: int | None
) -> dict[str, Any]:
    rest = [_for_format(picture, fmt) for picture in pictures[1:]]
    for picture in rest:
        picture.info = {}
    options: dict[str, Any] = {"save_all": True, "append_images": rest}
    if durations is not None:
        options["duration"] = durations
    if fmt == "gif":
        # Frames are whole composited canvases: clear each before the next is drawn.
        options["disposal"] = 2
    if loop is not None:
        options["loop"] = loop
    elif fmt == "webp":
        options["loop"] = 1  # a GIF without a loop count plays once; WebP's default loops
    return options


def _for_format(picture: Image.Image, fmt: str) -> Image.Image:
    if fmt == "jpeg":
        wanted = "L" if picture.mode == "L" else "RGB"
    elif fmt == "webp":
        wanted = "RGBA" if "A" in picture.mode else "RGB"
    else:
        return picture  # PNG and GIF take what _working produced (GIF quantizes)
    return picture if picture.mode == wanted else picture.convert(wanted)


def _icc_fits(icc: bytes, mode: str) -> bool:
    # The profile's colour space (bytes 16-20) must match the pixels: a CMYK profile on
    # the RGB pixels converted from CMYK would be read wrongly.
    space = icc[16:20]
    return space == b"RGB " if mode in ("RGB", "RGBA", "P") else space == b"GRAY"


# --- variants --------------------------------------------------------------------------


def make_variants(original: Encoded, widths: Sequence[int]) -> list[Encoded]:
    """Responsive sizes of a sanitised original: at each width below its own, a WebP and
    one in its format (WebP only, for a WebP); and a full-width WebP unless it is one.

    No ``draft()`` here: the full-width WebP needs every pixel, and the original is
    already capped at ``max_edge``.
    """
    sizes = [
        (w, max(1, round(original.height * w / original.width)))
        for w in sorted(set(widths))
        if 0 < w < original.width
    ]
    formats = ["webp"] if original.format == "webp" else ["webp", original.format]
    with _reading(), Image.open(BytesIO(original.data), formats=OPENERS) as im:
        icc = im.info.get("icc_profile")
        if original.frames > 1:
            pictures, durations, loop = _read_frames(im, im.size, False, original.frames)
        else:
            im.load()
            pictures, durations, loop = [_working(im, original.format)], None, None
        variants = []
        for size in sizes:
            scaled = [_fit(picture, size, False) for picture in pictures]
            for fmt in formats:
                variants.append(_encode(scaled, fmt, icc=icc, durations=durations, loop=loop))
        if original.format != "webp":
            variants.append(_encode(pictures, "webp", icc=icc, durations=durations, loop=loop))
    return variants
