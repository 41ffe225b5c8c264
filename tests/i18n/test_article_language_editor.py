"""The editor's "Article language": offered in the reader's language, saved with the
article, cleared, and a forged value refused next to the field."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from folio.models import Article, User

ARTICLE = {"title": "Zugspitze", "description": "Gipfel", "body": "Hoch oben.", "tags": ""}


def _article(session: Session) -> Article:
    session.expire_all()
    return session.scalars(select(Article)).one()


def test_the_choices_are_named_in_the_reader_language(signed_in: FlaskClient) -> None:
    html = signed_in.get("/articles/new", headers={"Accept-Language": "de"}).text
    assert '<label for="language">Artikelsprache</label>' in html
    assert '<option value="fr">Französisch</option>' in html
    html = signed_in.get("/articles/new", headers={"Accept-Language": "es"}).text
    assert '<option value="de">Alemán</option>' in html


def test_a_writer_sets_and_clears_the_article_language(
    signed_in: FlaskClient, session: Session, user: User
) -> None:
    answer = signed_in.post(
        "/articles/new", data={**ARTICLE, "language": "de", "action": "publish"}
    )
    assert answer.status_code == 302
    article = _article(session)
    assert article.language == "de"
    page = signed_in.get(f"/articles/{article.slug}/edit").text
    assert '<option selected value="de">' in page
    signed_in.post(f"/articles/{article.slug}/edit", data={**ARTICLE, "language": ""})
    assert _article(session).language is None
    # A form without the field (an older page) leaves the language alone.
    signed_in.post(f"/articles/{article.slug}/edit", data={**ARTICLE, "language": "es"})
    signed_in.post(f"/articles/{article.slug}/edit", data=ARTICLE)
    assert _article(session).language == "es"


def test_a_forged_language_is_refused_beside_the_field(
    signed_in: FlaskClient, session: Session
) -> None:
    answer = signed_in.post(
        "/articles/new",
        data={**ARTICLE, "language": "<script>", "action": "publish"},
        headers={"Accept-Language": "de"},
    )
    assert answer.status_code == 422
    assert "Artikelsprache ist kein Sprachkürzel wie en, de oder pt-BR" in answer.text
    assert session.scalars(select(Article)).all() == []
