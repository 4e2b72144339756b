"""kb — the dedicated-engineer knowledge base: load → validate → model → rules → report."""

__version__ = "0.1.0"
# The distribution's name on the package index (pyproject.toml [project] name): what a KB's
# requirements.txt pins (kb init) and kb check compares with the running version.
DISTRIBUTION = "kb-dedicated-engineer"
