"""promosync: keeps a PIM catalog and image bucket in sync with Promidata supplier feeds."""

__version__ = "0.1.0"
