"""How long browsers may keep what /media/ answers, signed in or not."""

from __future__ import annotations

from io import BytesIO

from flask.testing import FlaskClient
from PIL import Image


def jpeg(width: int, height: int) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def test_an_images_redirect_is_immutable_for_signed_in_readers_too(signed_in: FlaskClient) -> None:
    uploaded = signed_in.post(
        "/me/media",
        data={"file": (BytesIO(jpeg(300, 200)), "small.jpg")},
        headers={"Accept": "application/json"},
    )
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    original = uploaded.get_json()["media"]["path"]
    # A size wider than the picture is never made: the original stands in for good.
    wider = original.replace("original.jpg", "1600.webp")
    answer = signed_in.get(wider)
    assert answer.status_code == 302
    assert answer.headers["Location"] == original
    # Every page of a signed-in reader names images: each would cost a request again.
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Their pages themselves are still never stored.
    assert signed_in.get("/settings").headers["Cache-Control"] == "no-store"
