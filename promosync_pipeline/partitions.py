"""Supplier partitions: one per supplier code in the index."""

import dagster as dg

SUPPLIER_PARTITIONS = "suppliers"
"""The name the instance stores the supplier codes under."""

suppliers = dg.DynamicPartitionsDefinition(name=SUPPLIER_PARTITIONS)
