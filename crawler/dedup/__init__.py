"""Deduplication: canonical URLs, text fingerprints and a persistent store."""
