"""AI policy and news knowledge base: store, search, entities and timelines."""

__version__ = "0.1.0"
