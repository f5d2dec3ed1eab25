"""Supplier partitions: one per supplier code in the index, registered in one place."""

from collections.abc import Iterable

import dagster as dg

SUPPLIER_PARTITIONS = "suppliers"
"""The name the instance stores the supplier codes under."""

suppliers = dg.DynamicPartitionsDefinition(name=SUPPLIER_PARTITIONS)


def unregistered_suppliers(instance: dg.DagsterInstance, codes: Iterable[str]) -> list[str]:
    """The codes among ``codes`` that have no partition yet, in order."""
    known = set(instance.get_dynamic_partitions(SUPPLIER_PARTITIONS))
    return [code for code in dict.fromkeys(codes) if code not in known]


def register_suppliers(instance: dg.DagsterInstance, codes: Iterable[str]) -> list[str]:
    """Add a partition for every code that has none (a sensor returns
    ``suppliers.build_add_request(unregistered_suppliers(...))`` instead); returns the new ones."""
    new = unregistered_suppliers(instance, codes)
    if new:
        instance.add_dynamic_partitions(SUPPLIER_PARTITIONS, new)
    return new
