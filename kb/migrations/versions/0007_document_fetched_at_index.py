"""documents by the time they were stored or changed (what is new for a watch)

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_document_fetched_at"), "document", ["fetched_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_document_fetched_at"), table_name="document")
