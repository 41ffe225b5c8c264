"""stored word counts for reading time on cards

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:25:00

"""
from contextlib import contextmanager
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The rule of folio.articles.reading.count_words, frozen here: a migration must give the
# same result whatever the application code becomes later.
_WORD = re.compile(r"\S+")
BATCH = 500


@contextmanager
def _keeping_triggers(table):
    """SQLite's batch mode copies the table and loses its triggers (0001's full-text
    index): put back those it lost (adding a column needs no copy and keeps them)."""
    bind = op.get_bind()
    saved = []
    if bind.dialect.name == "sqlite":
        saved = bind.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
            (table,),
        ).all()
    yield
    for name, statement in saved:
        still_there = bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
        ).first()
        if still_there is None:
            op.execute(statement)


def _count_existing_words():
    """Fill word_count for the articles already written, a batch of bodies at a time (by
    id, so memory stays flat however many there are)."""
    bind = op.get_bind()
    articles = sa.table(
        'articles', sa.column('id', sa.Integer), sa.column('body', sa.Text),
        sa.column('word_count', sa.Integer),
    )
    update = (
        articles.update()
        .where(articles.c.id == sa.bindparam('row_id'))
        .values(word_count=sa.bindparam('words'))
    )
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(articles.c.id, articles.c.body)
            .where(articles.c.id > last_id)
            .order_by(articles.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            update,
            [{'row_id': row.id, 'words': len(_WORD.findall(row.body or ''))} for row in rows],
        )
        last_id = rows[-1].id


def upgrade():
    with _keeping_triggers("articles"), op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(
            sa.Column('word_count', sa.Integer(), server_default='0', nullable=False)
        )
    _count_existing_words()


def downgrade():
    with _keeping_triggers("articles"), op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column('word_count')
