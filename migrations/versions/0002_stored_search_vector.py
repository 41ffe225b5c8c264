"""PostgreSQL search: a stored tsvector column behind the GIN index

Ranking needs each match's vector. With an expression index PostgreSQL re-parses the
body of every matching row to rank it (30 s for a common word over 100,000 articles,
bench/README.md); a stored generated column is parsed once, when the row is written.
SQLite keeps its FTS5 table: nothing changes there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:45:00

"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# The same expression as 0001's index (and folio.articles.search.PG_SEARCH_VECTOR).
PG_SEARCH_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, left(coalesce(body, ''), 100000)), 'C'))"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_articles_search")
    op.execute(
        "ALTER TABLE articles ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS {PG_SEARCH_VECTOR} STORED"
    )
    op.execute("CREATE INDEX ix_articles_search ON articles USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_articles_search")
    op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
    op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin ({PG_SEARCH_VECTOR})")
