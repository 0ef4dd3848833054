"""The search service: full-text search of the published catalog on Typesense."""
