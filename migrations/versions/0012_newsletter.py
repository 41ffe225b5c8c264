"""newsletter: subscribers, confirmations, per-article sends

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:45:00

"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


@contextmanager
def _keeping_triggers(table):
    """SQLite's batch mode may copy the table and lose its triggers (0001's full-text
    index): put back those it lost."""
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


def upgrade():
    op.create_table(
        'newsletter_subscribers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['author_id'], ['users.id'],
            name=op.f('fk_newsletter_subscribers_author_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_subscribers')),
        sa.UniqueConstraint(
            'author_id', 'email', name='uq_newsletter_subscribers_author_id_email'
        ),
    )
    with op.batch_alter_table('newsletter_subscribers') as batch_op:
        batch_op.create_index(
            batch_op.f('ix_newsletter_subscribers_email'), ['email'], unique=False
        )
        batch_op.create_index(
            'ix_newsletter_subscribers_author_id_created_at',
            ['author_id', 'created_at'],
            unique=False,
        )
        batch_op.create_index(
            'uq_newsletter_subscribers_site_email',
            ['email'],
            unique=True,
            sqlite_where=sa.text('author_id IS NULL'),
            postgresql_where=sa.text('author_id IS NULL'),
        )
    op.create_table(
        'newsletter_sends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status in ('pending', 'sending', 'sent', 'unknown')",
            name=op.f('ck_newsletter_sends_status'),
        ),
        sa.ForeignKeyConstraint(
            ['article_id'], ['articles.id'],
            name=op.f('fk_newsletter_sends_article_id_articles'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_newsletter_sends')),
        sa.UniqueConstraint('article_id', 'email', name='uq_newsletter_sends_article_id_email'),
    )
    with op.batch_alter_table('newsletter_sends') as batch_op:
        batch_op.create_index(
            'ix_newsletter_sends_article_id_status', ['article_id', 'status'], unique=False
        )
    with _keeping_triggers('articles'), op.batch_alter_table('articles') as batch_op:
        batch_op.add_column(
            sa.Column('send_email', sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with _keeping_triggers('articles'), op.batch_alter_table('articles') as batch_op:
        batch_op.drop_column('send_email')
    with op.batch_alter_table('newsletter_sends') as batch_op:
        batch_op.drop_index('ix_newsletter_sends_article_id_status')
    op.drop_table('newsletter_sends')
    with op.batch_alter_table('newsletter_subscribers') as batch_op:
        batch_op.drop_index('uq_newsletter_subscribers_site_email')
        batch_op.drop_index('ix_newsletter_subscribers_author_id_created_at')
        batch_op.drop_index(batch_op.f('ix_newsletter_subscribers_email'))
    op.drop_table('newsletter_subscribers')
