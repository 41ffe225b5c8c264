"""Small archives built in memory: Jekyll and Hugo folders, a Folio export, hostile zips."""

from __future__ import annotations

import io
import json
import stat
import zipfile

from tests.media.helpers import photo


def zip_of(entries: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def jekyll_and_hugo_zip() -> bytes:
    return zip_of(
        {
            "site/_posts/2018-07-04-first-light.md": (
                "---\ntitle: First light\ncategories: [astronomy]\ntags: sky, night\n"
                "excerpt: Seeing Saturn\n---\n\nSaturn rose at ten.\n\n"
                "![Saturn](../assets/saturn.jpg)\n"
            ),
            "site/assets/saturn.jpg": photo((200, 150)),
            "site/content/posts/bundle-trip/index.md": (
                "---\ntitle: A bundled trip\ndate: 2020-02-03T04:05:06+01:00\n"
                "draft: true\nsummary: Hugo bundle\ncover:\n  image: map.png\n---\n"
                "Pages bundle their pictures.\n"
            ),
            "site/content/posts/bundle-trip/map.png": photo((120, 80), "PNG"),
            "site/content/posts/toml-post.md": (
                '+++\ntitle = "Toml front matter"\ndate = 2021-01-02\ntags = ["hugo"]\n+++\n'
                "Written with TOML.\n"
            ),
            "site/content/_index.md": "---\ntitle: Home\n---\nList page.\n",
        }
    )


def folio_export_zip(username: str = "fiona") -> bytes:
    """An archive as Folio's export writes it (the common brief's format)."""
    cover = photo((240, 160))
    manifest = {
        "format": "folio-export",
        "version": 1,
        "kind": "user",
        "exported_at": "2026-11-30T10:00:00+00:00",
        "source": "https://old-folio.example",
        "user": username,
    }
    article = (
        "---\n"
        "title: Round trip\nslug: round-trip\ndescription: Exported from Folio\n"
        "tags: [folio, export]\nstatus: published\ndraft: false\n"
        "date: '2025-05-05T05:05:05+00:00'\ncreated_at: '2025-05-01T01:00:00+00:00'\n"
        "published_at: '2025-05-05T05:05:05+00:00'\nupdated_at: '2025-05-06T06:00:00+00:00'\n"
        f"cover: media/{'c' * 64}.jpg\nauthor: {username}\n"
        "---\n"
        f"The body, with a picture:\n\n![cover](../media/{'c' * 64}.jpg)\n"
    )
    comments = [
        {
            "id": 41,
            "article": "round-trip",
            "author": "someone",
            "body": "Nice one.",
            "created_at": "2025-05-07T07:00:00+00:00",
        }
    ]
    return zip_of(
        {
            "folio.json": json.dumps(manifest),
            "articles/round-trip.md": article,
            f"media/{'c' * 64}.jpg": cover,
            "comments.json": json.dumps(comments),
        }
    )


def zip_with_symlink() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("post.md", "---\ntitle: x\n---\nbody\n")
        link = zipfile.ZipInfo("passwd.md")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return out.getvalue()


def zip_bomb(size: int = 50 * 1024 * 1024) -> bytes:
    """A Markdown file of zeros that compresses about a thousand to one."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.md", "w", force_zip64=True) as entry:
            chunk = b"0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                entry.write(chunk)
    return out.getvalue()
