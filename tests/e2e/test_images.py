"""Pictures in a real browser: dropping one in the editor, covers, srcset, avatars."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, LiveServer
from tests.e2e.test_journeys import assert_clean, register, sign_in, unique

pytestmark = pytest.mark.e2e

# An image URL the editor puts in a body: Folio's public address, then the media path.
UPLOADED = r"http://localhost/media/images/[0-9a-f]{64}/original\.jpg"


def photo(width: int = 2400, height: int = 1600, *, sun: tuple[float, float] = (0.7, 0.3)) -> bytes:
    """A real camera-sized JPEG: a dawn sky over a field with a sun, so a bad crop or a
    squashed picture shows in the screenshots; ``sun`` moves it (another file)."""
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (down.point(lambda v: 255 - v // 2), down, across))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(height * 0.7), width, height), fill=(70, 110, 60))
    x, y, r = width * sun[0], height * sun[1], min(width, height) // 8
    draw.ellipse((x - r, y - r, x + r, y + r), fill=(250, 210, 90))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def as_file(name: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def file_transfer(page: Any, name: str, data: bytes) -> Any:
    """A DataTransfer holding one file, built in the page (Playwright's way to drop or
    paste files: a real File a script can read)."""
    return page.evaluate_handle(
        """([b64, name]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "image/jpeg" }));
            return transfer;
        }""",
        [base64.b64encode(data).decode(), name],
    )


def put_cursor(textarea: Any, at: int) -> None:
    textarea.evaluate("(area, at) => { area.focus(); area.setSelectionRange(at, at); }", at)


def loaded(image: Any) -> dict[str, Any]:
    """What the browser drew for an <img>: the file it chose, its pixels, its box."""
    image.scroll_into_view_if_needed()
    image.page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=image.element_handle()
    )
    return dict(
        image.evaluate(
            """image => ({
                src: image.currentSrc,
                natural: image.naturalWidth,
                drawn: image.getBoundingClientRect().width,
                width: image.getAttribute("width"),
                height: image.getAttribute("height"),
            })"""
        )
    )


def webp_candidates(picture: Any) -> dict[str, int]:
    """The WebP files a <picture> offers, path -> width."""
    srcset = picture.locator("source[type='image/webp']").get_attribute("srcset") or ""
    candidates = {}
    for candidate in srcset.split(","):
        url, width = candidate.split()
        candidates[url] = int(width.rstrip("w"))
    return candidates


def check_body_picture(page: Any) -> int:
    """The article's picture is one of its WebP sizes (not the original), loaded, with
    its size reserved; the width of the file the browser chose."""
    picture = page.locator(".prose picture")
    expect(picture).to_have_count(1)
    image = picture.locator("img")
    expect(image).to_have_attribute("alt", "Tulips leaning toward the morning sun")
    shown = loaded(image)
    candidates = webp_candidates(picture)
    chosen = urlsplit(shown["src"]).path
    assert chosen in candidates, (chosen, candidates)
    assert not chosen.endswith("/original.jpg")
    assert shown["natural"] > 0
    assert (shown["width"], shown["height"]) == ("2400", "1600")
    return candidates[chosen]


def full_screenshot(page: Any, path: Path) -> None:
    # From the top: scrolled down, the sticky header would be drawn mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)


def no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways"


def check_cover_card(page: Any, title: str, *, beside: bool) -> None:
    """The home page's card for the article shows its cover: beside the text on a wide
    screen, above it on a phone."""
    card = page.locator(".card--cover").filter(has=page.get_by_role("link", name=title))
    cover = card.locator(".card-cover img")
    shown = loaded(cover)
    assert urlsplit(shown["src"]).path.endswith(".webp")
    cover_box = cover.bounding_box()
    title_box = card.locator(".card-title").bounding_box()
    if beside:
        assert cover_box["x"] >= title_box["x"] + title_box["width"]
    else:
        assert cover_box["y"] + cover_box["height"] <= title_box["y"]


def test_a_writer_drops_a_picture_sets_a_cover_and_publishes(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    page = new_page()
    name = unique("gardener")
    register(page, name)
    page.get_by_role("link", name="Write", exact=True).click()
    title = f"A spring morning in the {name} beds"
    page.get_by_label("Title").fill(title)
    first, second = "The tulips opened before breakfast.", "By noon they had closed again."
    body = page.get_by_label("Body")
    body.fill(f"{first}\n\n{second}")
    put_cursor(body, len(first))

    # Dragged from the desktop onto the body: it uploads at once and asks for alt text.
    transfer = file_transfer(page, "tulips.jpg", photo())
    body.dispatch_event("dragover", {"dataTransfer": transfer})
    body.dispatch_event("drop", {"dataTransfer": transfer})
    dialog = page.get_by_role("dialog", name="Alt text for your picture")
    expect(dialog).to_be_visible()
    loaded(dialog.locator(".alt-dialog-preview img"))
    page.screenshot(path=str(screenshot_dir / "editor-alt-dialog-desktop.png"))
    dialog.get_by_label("Alt text").fill("Tulips leaning toward the morning sun")
    dialog.get_by_role("button", name="Insert image").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text("Image inserted.")).to_be_visible()
    # At the cursor, as its own paragraph.
    expect(body).to_have_value(
        re.compile(
            rf"^{first}\n\n!\[Tulips leaning toward the morning sun\]\({UPLOADED}\)\n\n{second}$"
        )
    )

    page.get_by_label("Choose a cover image").set_input_files(
        as_file("field.jpg", photo(1600, 1000, sun=(0.25, 0.35)))
    )
    expect(page.get_by_text("Cover uploaded; save to keep it.")).to_be_visible()
    loaded(page.locator("#cover-preview img"))
    page.get_by_label("Description").fill("What a cold night does to a bed of tulips.")
    full_screenshot(page, screenshot_dir / "editor-images-desktop.png")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Your article is published.")).to_be_visible()

    article_url = urlsplit(page.url).path
    cover = loaded(page.locator("figure.article-cover img"))
    assert cover["natural"] > 0
    desktop_width = check_body_picture(page)
    full_screenshot(page, screenshot_dir / "article-images-desktop.png")
    page.goto("/")
    check_cover_card(page, title, beside=True)
    full_screenshot(page, screenshot_dir / "home-cover-desktop.png")
    page.goto("/me/media")
    expect(page.get_by_text(f"Used in {title}")).to_have_count(2)
    full_screenshot(page, screenshot_dir / "my-media-uploads-desktop.png")
    assert_clean(page)

    # A phone with a dense screen picks its own size from the same srcset.
    phone = new_page(PHONE, scale=3)
    sign_in(phone, name)
    phone.goto(article_url)
    loaded(phone.locator("figure.article-cover img"))
    phone_width = check_body_picture(phone)
    assert phone_width > desktop_width
    no_sideways_scroll(phone)
    full_screenshot(phone, screenshot_dir / "article-images-phone.png")
    phone.goto("/")
    check_cover_card(phone, title, beside=False)
    no_sideways_scroll(phone)
    full_screenshot(phone, screenshot_dir / "home-cover-phone.png")
    phone.goto("/me/media")
    no_sideways_scroll(phone)
    full_screenshot(phone, screenshot_dir / "my-media-uploads-phone.png")
    assert_clean(phone)


def test_add_image_asks_for_alt_text_before_inserting(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    page = new_page(PHONE)
    register(page, unique("picker"))
    page.goto("/articles/new")
    body = page.get_by_label("Body")
    body.fill("Before the picture.")

    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Add image").click()
    chooser.value.set_files(as_file("seedlings.jpg", photo(1200, 900)))
    dialog = page.get_by_role("dialog", name="Alt text for your picture")
    expect(dialog).to_be_visible()

    # Neither alt text nor "decorative": the dialog stays and says what is missing.
    dialog.get_by_role("button", name="Insert image").click()
    expect(
        dialog.get_by_text("Write the alt text, or mark the picture decorative.")
    ).to_be_visible()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Alt text")).to_be_focused()
    page.screenshot(path=str(screenshot_dir / "editor-alt-dialog-phone.png"))
    expect(body).to_have_value("Before the picture.")

    dialog.get_by_label("Decorative").check()
    dialog.get_by_role("button", name="Insert image").click()
    expect(dialog).to_be_hidden()
    expect(body).to_have_value(re.compile(rf"^Before the picture\.\n\n!\[\]\({UPLOADED}\)\n$"))
    inserted = body.input_value()

    # A pasted picture uploads too; cancelling keeps it in My media and the body as it was.
    paste = file_transfer(page, "pasted.jpg", photo(800, 600, sun=(0.5, 0.5)))
    body.evaluate(
        """(area, clipboardData) => area.dispatchEvent(
            new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true })
        )""",
        paste,
    )
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text("Uploaded to My media; not inserted.")).to_be_visible()
    expect(body).to_have_value(inserted)
    no_sideways_scroll(page)
    # On a phone, My media is found from My articles (the menu row has no room).
    page.goto("/me/articles")
    page.get_by_role("link", name="My media").click()
    expect(page.get_by_text("2 uploads")).to_be_visible()
    assert_clean(page)


def test_without_javascript_a_picture_is_added_when_the_draft_is_saved(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    page = new_page(javascript=False)
    register(page, unique("plain"))
    page.goto("/articles/new")
    expect(page.get_by_role("button", name="Add image")).to_be_hidden()
    page.get_by_label("Title").fill("Seed trays without a script")
    page.get_by_label("Body").fill("Sown in March.")
    page.get_by_label("Image file").set_input_files(as_file("trays.jpg", photo(1600, 1200)))
    page.get_by_role("textbox", name="Alt text").fill("Seed trays on a sunny sill")
    page.get_by_label("Choose a cover image").set_input_files(
        as_file("cover.jpg", photo(1600, 900, sun=(0.2, 0.4)))
    )

    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("img", name="Seed trays on a sunny sill")).to_be_visible()
    # The cover chosen is kept (and shown) while the draft is not saved yet.
    loaded(page.locator("#cover-preview img"))
    expect(page.get_by_label("Body")).to_have_value(
        re.compile(rf"^Sown in March\.\n\n!\[Seed trays on a sunny sill\]\({UPLOADED}\)\n$")
    )
    full_screenshot(page, screenshot_dir / "editor-no-script-desktop.png")

    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    shown = loaded(page.locator(".prose").get_by_role("img", name="Seed trays on a sunny sill"))
    assert shown["natural"] > 0
    loaded(page.locator("figure.article-cover img"))
    assert_clean(page)


def test_a_writer_sets_an_avatar(
    new_page: Any, live_server: LiveServer, screenshot_dir: Path
) -> None:
    name = unique("portrait")
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(viewport)
        if width_name == "desktop":
            register(page, name)
            page.goto("/settings")
            page.get_by_label("Your picture").set_input_files(
                as_file("me.jpg", photo(900, 1200, sun=(0.5, 0.4)))
            )
            page.get_by_role("button", name="Upload picture").click()
            expect(page.get_by_text("Your new picture is saved.")).to_be_visible()
        else:
            sign_in(page, name)
            page.goto("/settings")
        shown = loaded(page.locator(".settings-avatar img.avatar"))
        # Cropped square, and sharp: the file is at least as wide as it is drawn.
        assert shown["width"] == shown["height"]
        assert shown["natural"] >= shown["drawn"]
        expect(page.get_by_role("button", name="Remove picture")).to_be_visible()
        no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"settings-avatar-{width_name}.png"))
        assert_clean(page)
