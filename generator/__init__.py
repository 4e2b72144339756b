"""kb — the dedicated-engineer knowledge base: load → validate → model → rules → report."""

__version__ = "0.1.0"
