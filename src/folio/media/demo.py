"""Cover pictures for the demo content: drawn here, then uploaded the way a writer would.

Abstract compositions (a sky gradient, a sun, layered hills) in a few palettes, drawn
deterministically from a seed, so ``seed-db`` shows what articles with covers look like
without shipping photographs.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from folio.accounts.models import User
from folio.articles import rules as articles
from folio.articles.models import Article, Status
from folio.core.uow import current_session, unit_of_work
from folio.media.models import MediaKind
from folio.media.uploads import public_url, receive

PALETTES = (
    ((255, 183, 94), (237, 100, 83), (72, 52, 92)),
    ((142, 202, 230), (33, 158, 188), (2, 48, 71)),
    ((233, 216, 166), (148, 210, 189), (10, 147, 150)),
    ((255, 202, 212), (244, 172, 183), (157, 129, 137)),
    ((204, 213, 174), (233, 237, 201), (96, 108, 56)),
    ((250, 237, 205), (212, 163, 115), (40, 54, 24)),
)
SIZE = (1600, 1000)


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def draw_cover(rng: random.Random) -> bytes:
    """A JPEG landscape of a sky, a sun and hills in one of the palettes."""
    light, middle, dark = PALETTES[rng.randrange(len(PALETTES))]
    width, height = SIZE
    sky = Image.linear_gradient("L").resize(SIZE)
    picture = Image.composite(Image.new("RGB", SIZE, middle), Image.new("RGB", SIZE, light), sky)
    pen = ImageDraw.Draw(picture)
    radius = rng.randint(90, 180)
    x, y = rng.randint(radius, width - radius), rng.randint(radius, height // 2)
    pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=_mix(light, (255,) * 3, 0.5))
    for layer in range(4):
        base = height * (0.5 + 0.13 * layer)
        points: list[tuple[float, float]] = [(0, height)]
        for step in range(0, width + 200, 200):
            points.append((step, base + rng.randint(-70, 70)))
        points.append((width, height))
        pen.polygon(points, fill=_mix(middle, dark, (layer + 1) / 4))
    out = io.BytesIO()
    picture.filter(ImageFilter.GaussianBlur(1.5)).save(out, "JPEG", quality=88)
    return out.getvalue()


def add_demo_covers(
    count: int, seed_value: int, progress: Callable[[str], None] | None = None
) -> int:
    """Give the newest ``count`` published articles a cover, uploaded by their authors."""
    rng = random.Random(seed_value)  # noqa: S311 - demo pictures, not secrets
    session = current_session()
    stmt = (
        select(Article)
        .where(Article.status == Status.PUBLISHED.value)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(count)
    )
    chosen = list(session.scalars(stmt))
    for number, article in enumerate(chosen, 1):
        author = session.get(User, article.author_id)
        if author is None:
            continue
        upload = receive(author, draw_cover(rng), f"cover-{number}.jpg", MediaKind.IMAGE)
        with unit_of_work() as uow:
            articles.update_article(
                uow.session, author, article, {"cover_image": public_url(upload.original_key)}
            )
        if progress is not None and number % 4 == 0:
            progress(f"  covers: {number} of {len(chosen)}")
    return len(chosen)
