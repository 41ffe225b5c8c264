"""Folio's image pipeline next to a naive one: wall time and peak memory per photo.

    python bench/images.py                 # ~30 s: bench/results/images.{json,md}

Synthetic photos (gradients and grain, so they compress like photos; JPEG quality 92,
stored sideways with EXIF Orientation 6 as phones do) at 2, 12 and 24 megapixels. Each
pipeline runs on each photo in a fresh interpreter, three times (alternating), and the
median is reported:

- **Folio**: ``process_upload`` then ``make_variants(original, limits.widths)``;
- **naive**: ``Image.open`` → ``load()`` at full size → ``exif_transpose`` → LANCZOS
  ``resize`` to the capped original and to each width → save the same files (same
  formats, sizes and encoder settings as Folio writes).

Peak memory is the growth of the child's VmHWM (peak RSS) over its value after importing
Pillow and Folio and reading the file. Not ``ru_maxrss``: Linux carries the parent's
peak across fork and exec into the child's ``ru_maxrss``, so a child of this script
would start at this script's own peak (it holds the generated photos). The table is also
written into ``bench/README.md`` between its markers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageChops

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
# 3:2 photos: 2.0, 12.0 and 24.0 megapixels
PHOTOS = {"2 MP": (1732, 1155), "12 MP": (4242, 2828), "24 MP": (6000, 4000)}

CHILD = """
import io, json, sys, time
from PIL import Image, ImageOps
from folio.media import processing
from folio.media.processing import ImageLimits, make_variants, process_upload

def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))

def folio(data, limits):
    original = process_upload(data, limits)
    return [original, *make_variants(original, limits.widths)]

def save(image, fmt, **options):
    out = io.BytesIO()
    image.save(out, fmt.upper(), **processing.SAVE_OPTIONS[fmt], **options)
    return (fmt, image.width, image.height, len(out.getvalue()))

def naive(data, limits):
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    scale = min(1.0, limits.max_edge / max(image.size))
    capped = image.resize((round(image.width * scale), round(image.height * scale)),
                          Image.Resampling.LANCZOS)
    files = [save(capped, "jpeg")]
    for width in limits.widths:
        if width < capped.width:
            size = (width, round(capped.height * width / capped.width))
            resized = image.resize(size, Image.Resampling.LANCZOS)
            files += [save(resized, "webp"), save(resized, "jpeg")]
    return files + [save(capped, "webp")]

data = open(sys.argv[2], "rb").read()
limits = ImageLimits()
before = peak_kib()
started = time.perf_counter()
files = {"folio": folio, "naive": naive}[sys.argv[1]](data, limits)
seconds = time.perf_counter() - started
files = [(f.format, f.width, f.height, len(f.data)) if hasattr(f, "data") else f for f in files]
print(json.dumps({"seconds": seconds, "peak_kib": peak_kib() - before,
                  "baseline_kib": before, "files": files, "module": processing.__file__}))
"""


def make_photo(size: tuple[int, int], path: Path) -> None:
    """Gradients under luminance grain, saved as a phone would: quality 92, sideways."""
    grain = Image.effect_noise(size, 20)
    red = ImageChops.add(Image.linear_gradient("L").resize(size), grain, 2.0, -40)
    green = ImageChops.add(Image.radial_gradient("L").resize(size), grain, 2.0, -30)
    blue = ImageChops.add(Image.linear_gradient("L").rotate(90).resize(size), grain, 2.0, -64)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    Image.merge("RGB", (red, green, blue)).save(path, "JPEG", quality=92, exif=exif.tobytes())


def run_once(pipeline: str, photo: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, pipeline, str(photo)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    result: dict[str, Any] = json.loads(done.stdout)
    # The venv may hold an editable install of another checkout: measure this one.
    assert Path(result["module"]).is_relative_to(SRC), result["module"]
    return result


def measure(photo: Path, repeat: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"folio": [], "naive": []}
    for _ in range(repeat):
        for pipeline in runs:  # alternating, so drift on a shared machine hits both
            runs[pipeline].append(run_once(pipeline, photo))
    summary: dict[str, Any] = {"jpeg_bytes": photo.stat().st_size}
    for pipeline, results in runs.items():
        summary[pipeline] = {
            "seconds": statistics.median(r["seconds"] for r in results),
            "peak_mb": statistics.median(r["peak_kib"] for r in results) / 1024,
            "baseline_mb": statistics.median(r["baseline_kib"] for r in results) / 1024,
            "all_seconds": [round(r["seconds"], 3) for r in results],
            "all_peak_mb": [round(r["peak_kib"] / 1024, 1) for r in results],
            "files": results[0]["files"],
        }
    folio, naive = summary["folio"], summary["naive"]
    summary["time_ratio"] = folio["seconds"] / naive["seconds"]
    summary["memory_ratio"] = folio["peak_mb"] / naive["peak_mb"]
    return summary


def machine() -> dict[str, Any]:
    model, ram_kib = platform.processor(), 0
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            ram_kib = int(line.split()[1])
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gb": round(ram_kib / 2**20, 1),
        "python": platform.python_version(),
        "pillow": Image.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| photo | JPEG MB | Folio s | naive s | time Folio/naive "
        "| Folio peak MB | naive peak MB | memory Folio/naive |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, item in results.items():
        folio, naive = item["folio"], item["naive"]
        lines.append(
            f"| {name} | {item['jpeg_bytes'] / 2**20:.1f} | {folio['seconds']:.2f} "
            f"| {naive['seconds']:.2f} | {item['time_ratio']:.2f} | {folio['peak_mb']:.0f} "
            f"| {naive['peak_mb']:.0f} | {item['memory_ratio']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def report(results: dict[str, dict[str, Any]], about: dict[str, Any], repeat: int) -> str:
    files = ", ".join(f"{f[0]} {f[1]}×{f[2]}" for f in results["24 MP"]["folio"]["files"])
    return (
        f"Run {about['started']} on {about['cpu']}, {about['cores']} cores, "
        f"{about['ram_gb']} GB RAM; Python {about['python']}, Pillow {about['pillow']}; "
        f"load average {about['load_average_at_start']} at the start. Median of {repeat} "
        "runs, each in a fresh interpreter; peak MB is the growth of peak RSS (VmHWM) over "
        "the interpreter with Pillow and Folio imported and the file read.\n\n"
        f"{table(results)}\n"
        f"Files written per photo (24 MP): {files}.\n"
    )


def write_readme_section(text: str) -> None:
    readme = HERE / "README.md"
    start, end = "<!-- results:images:start -->", "<!-- results:images:end -->"
    current = readme.read_text()
    if start in current and end in current:
        head, rest = current.split(start, 1)
        _old, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{text}{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    about = {"started": datetime.now(UTC).isoformat(timespec="seconds"), **machine()}
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, size in PHOTOS.items():
            photo = Path(folder) / f"{size[0]}x{size[1]}.jpg"
            make_photo(size, photo)
            results[name] = measure(photo, args.repeat)
            print(f"{name}: done", file=sys.stderr)
    about["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    text = report(results, about, args.repeat)
    print(text)
    args.out.mkdir(exist_ok=True)
    (args.out / "images.md").write_text(f"# Images\n\n{text}")
    document = {"machine": about, "photos": {k: list(v) for k, v in PHOTOS.items()}}
    (args.out / "images.json").write_text(json.dumps({**document, "results": results}, indent=2))
    write_readme_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
