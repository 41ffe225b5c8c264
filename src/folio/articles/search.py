"""Full-text search over published articles: SQLite FTS5 or PostgreSQL tsvector.

The index objects (an FTS5 table kept in step by triggers on SQLite; on PostgreSQL a
stored generated tsvector column with a GIN index) are made by the migrations. Results are
ranked: title matches weigh most, then description, then body.

Only the newest ``MAX_CANDIDATES`` matches are ranked (and counted): a word that most
articles contain would otherwise rank, and on PostgreSQL re-read, every one of 100,000
rows per request (measured: 0.45 s on SQLite, 30 s on PostgreSQL with an expression
index; see bench/README.md). Narrower queries, the usual kind, are ranked in full.

One ranking answers a search's every page and its total: ``articles.queries`` reads the
ids of the ranked matches in one statement (no article row is joined for it) and keeps
the first ``KEPT_RESULTS`` of them like a list total (``core.totals``: a few seconds,
forgotten by every write), so later pages and repeated searches load their rows by id.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    String,
    Subquery,
    bindparam,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from folio.models import Article

_TERM_RE = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12

# The body is cut to keep each tsvector under PostgreSQL's 1 MB limit.
PG_SEARCH_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(body, ''), 100000)), 'C'))"
)
PG_SEARCH_INDEX = "ix_articles_search"
# PostgreSQL: the vector above, stored (GENERATED ALWAYS ... STORED, migration 0002), so
# ranking reads it instead of re-parsing every matching body.
PG_SEARCH_COLUMN = "search_vector"
MAX_CANDIDATES = 1000
# Ranked ids kept per search: ten pages of twenty (8 bytes each; a deeper page re-ranks).
KEPT_RESULTS = 200


def is_search_object(name: str | None) -> bool:
    """True for the index objects above, which migrations own and autogenerate ignores."""
    return bool(name) and (
        name in (PG_SEARCH_INDEX, PG_SEARCH_COLUMN) or str(name).startswith("articles_fts")
    )


def search_terms(query: str) -> list[str]:
    return _TERM_RE.findall(query.lower())[:MAX_TERMS]


def _pg_query(terms: list[str]) -> str:
    # Terms are word characters only, so quoting them cannot break the query syntax.
    quoted = [f"'{term}'" for term in terms]
    quoted[-1] += ":*"
    return " & ".join(quoted)


def matching_article_ids(
    session: Session, query: str
) -> tuple[Subquery, ColumnElement[float]] | None:
    """A subquery of ``article_id`` and ``rank`` for the matches, with the order to sort
    by (best first); None when the query holds no searchable word.

    Every word must match (stemmed, so "databases" finds "database"); the last one also
    as a prefix, so typing "pyth" finds Python.
    """
    terms = search_terms(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "postgresql":
        # Rendered into the statement, not bound: psycopg prepares a statement run five
        # times, and PostgreSQL's generic plan for "any tsquery" scans every match of a
        # common word (164 ms against 11 ms; bench/README.md).
        words = bindparam("search_words", _pg_query(terms), String(), literal_execute=True)
        tsquery = func.to_tsquery(literal_column("'english'::regconfig"), words)
        vector: ColumnElement[object] = literal_column(f"articles.{PG_SEARCH_COLUMN}")
        subquery = (
            select(Article.id.label("article_id"), func.ts_rank_cd(vector, tsquery).label("rank"))
            .where(vector.op("@@")(tsquery))
            .order_by(Article.id.desc())
            .limit(MAX_CANDIDATES)
            .subquery("search")
        )
        return subquery, subquery.c.rank.desc()
    expression = " ".join(f'"{term}"' for term in terms) + "*"
    subquery = (
        select(
            literal_column("rowid").label("article_id"),
            literal_column("bm25(articles_fts, 10.0, 5.0, 1.0)").label("rank"),
        )
        .select_from(text("articles_fts"))
        .where(text("articles_fts MATCH :fts_query").bindparams(fts_query=expression))
        .order_by(literal_column("rowid").desc())
        .limit(MAX_CANDIDATES)
        .subquery("search")
    )
    return subquery, subquery.c.rank.asc()
