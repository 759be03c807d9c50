"""co-mention counts: the documents naming each pair of entities, kept by the writer

The Entity page counted the entities named with a common one by joining its mentions to every
other mention of the same documents (60-100 ms at 100,000 documents for an entity named in a
quarter of them); the counts are now kept in a table of their own, filled here from the mentions.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "co_mention",
        sa.Column("entity_slug", string(), nullable=False),
        sa.Column("other_slug", string(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity_slug", "other_slug"),
    )
    op.execute(
        "INSERT INTO co_mention (entity_slug, other_slug, documents)"
        " SELECT a.entity_slug, b.entity_slug, count(*) FROM mention a"
        " JOIN mention b ON b.document_id = a.document_id AND b.entity_slug <> a.entity_slug"
        " GROUP BY a.entity_slug, b.entity_slug"
    )


def downgrade() -> None:
    op.drop_table("co_mention")
