"""languages: a reader's interface language, an article's own language, a subscriber's

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


# Nullable columns without defaults: adding them copies no table (SQLite keeps the
# articles' full-text triggers).
def upgrade():
    op.add_column('users', sa.Column('locale', sa.String(length=16), nullable=True))
    op.add_column('articles', sa.Column('language', sa.String(length=35), nullable=True))
    op.add_column(
        'newsletter_subscribers', sa.Column('locale', sa.String(length=16), nullable=True)
    )


def downgrade():
    with op.batch_alter_table('newsletter_subscribers') as batch_op:
        batch_op.drop_column('locale')
    with op.batch_alter_table('articles') as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('locale')
