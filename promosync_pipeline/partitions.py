"""Supplier partitions: one per supplier code in the index."""

import dagster as dg

suppliers = dg.DynamicPartitionsDefinition(name="suppliers")
