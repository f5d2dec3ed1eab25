"""Sync steps without Dagster: fetch and parse product files, classify families, report progress."""
