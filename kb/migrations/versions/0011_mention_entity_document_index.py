"""mentions by entity with their documents in the index itself (the Entity page at 100,000 documents)

The index on mention(entity_slug) made each mention of an entity a lookup in the mention
table for its document; (entity_slug, document_id) answers "the documents naming this
entity" from the index alone, and replaces it (it is its first column).

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_mention_entity_document", "mention", ["entity_slug", "document_id"], unique=False)
    op.drop_index("ix_mention_entity_slug", table_name="mention")


def downgrade() -> None:
    op.create_index("ix_mention_entity_slug", "mention", ["entity_slug"], unique=False)
    op.drop_index("ix_mention_entity_document", table_name="mention")
