"""Pure logic of the sensors: what changed in the index, which incidents opened or closed.

No Dagster and no I/O here, so every decision the sensors take is unit-tested on plain values.
"""
