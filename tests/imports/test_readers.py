"""Details of the readers a page test would not single out."""

from __future__ import annotations

import pytest

from folio.imports.html import html_to_markdown, html_to_text
from folio.imports.items import archive_paths, parse_date
from folio.imports.markdown_zip import split_front_matter
from folio.imports.wordpress import autop


def test_classic_wordpress_content_without_paragraph_tags_keeps_its_paragraphs() -> None:
    markdown = html_to_markdown(autop("First paragraph.\n\nSecond <em>one</em>."))
    assert markdown == "First paragraph.\n\nSecond *one*.\n"


def test_comments_become_plain_text() -> None:
    assert html_to_text("Hi <b>there</b><script>x()</script><br>bye &amp; thanks") == (
        "Hi there\nbye & thanks"
    )


def test_dates_in_the_shapes_exports_write_them_are_utc() -> None:
    assert parse_date("2019-05-15 07:30:00").isoformat() == "2019-05-15T07:30:00+00:00"
    assert parse_date("2019-05-15 09:30:00 +0200").isoformat() == "2019-05-15T07:30:00+00:00"
    assert parse_date("2021-03-02T08:15:00.000Z").isoformat() == "2021-03-02T08:15:00+00:00"
    assert parse_date("0000-00-00 00:00:00") is None
    assert parse_date("soon") is None


def test_image_paths_stay_inside_the_archive() -> None:
    assert archive_paths("content/posts/trip", "map.png")[0] == "content/posts/trip/map.png"
    assert archive_paths("_posts", "/assets/a.jpg") == ["assets/a.jpg", "static/assets/a.jpg"]
    assert all(not p.startswith("..") for p in archive_paths("", "../../etc/passwd"))
    assert archive_paths("", "https://example.com/a.jpg") == []


def test_front_matter_that_is_not_a_mapping_is_an_error_for_its_item() -> None:
    assert split_front_matter("no front matter") == ({}, "no front matter")
    with pytest.raises(ValueError, match="not a set of keys"):
        split_front_matter("---\n- a list\n---\nbody")
