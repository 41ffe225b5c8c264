"""Form fields name their state to assistive technology: aria-invalid only when a field
is wrong (never the string "None"), and aria-describedby pointing at hints and errors
that are on the page."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.web.helpers import csrf_token_from


def _described_ids_exist(html: str) -> None:
    for ids in re.findall(r'aria-describedby="([^"]+)"', html):
        for target in ids.split():
            assert f'id="{target}"' in html, f"aria-describedby names a missing #{target}"


@pytest.mark.parametrize("url", ["/articles/new", "/settings"])
def test_fields_with_hints_are_not_marked_invalid_before_anything_is_wrong(
    signed_in: FlaskClient, url: str
) -> None:
    html = signed_in.get(url).get_data(as_text=True)
    assert 'aria-invalid="None"' not in html
    assert "aria-invalid" not in html
    _described_ids_exist(html)


def test_a_wrong_field_is_marked_invalid_and_described_by_its_error(
    signed_in: FlaskClient,
) -> None:
    token = csrf_token_from(signed_in.get("/articles/new"))
    response = signed_in.post(
        "/articles/new",
        data={"csrf_token": token, "title": "", "description": "", "body": "", "action": "publish"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    title = re.search(r'<input[^>]*id="title"[^>]*>', html)
    assert title
    assert 'aria-invalid="true"' in title.group(0)
    assert "title-error" in title.group(0)
    # Described by the hint and the error both, when the field has a hint.
    description = re.search(r'<input[^>]*id="description"[^>]*>', html)
    assert description
    assert 'aria-describedby="description-hint description-error"' in description.group(0)
    assert 'aria-invalid="None"' not in html
    _described_ids_exist(html)
