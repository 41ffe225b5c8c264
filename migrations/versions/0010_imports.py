"""imports: what each import created, and old addresses that redirect

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('imported_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=255), nullable=False),
    sa.Column('source_key', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('article', 'comment', 'user')", name=op.f('ck_imported_items_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_items')),
    sa.UniqueConstraint('source', 'source_key', 'kind', name='uq_imported_items_source_key_kind')
    )
    op.create_table('legacy_redirects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_legacy_redirects_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legacy_redirects')),
    sa.UniqueConstraint('path', name=op.f('uq_legacy_redirects_path'))
    )
    op.create_index(op.f('ix_legacy_redirects_article_id'), 'legacy_redirects', ['article_id'], unique=False)
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('planned', 'queued', 'running', 'done', 'failed')", name=op.f('ck_import_runs_status')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_import_runs_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    op.create_index('ix_import_runs_owner_id_created_at', 'import_runs', ['owner_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_import_runs_owner_id_created_at', table_name='import_runs')
    op.drop_table('import_runs')
    op.drop_index(op.f('ix_legacy_redirects_article_id'), table_name='legacy_redirects')
    op.drop_table('legacy_redirects')
    op.drop_table('imported_items')
