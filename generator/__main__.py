"""``python -m generator`` = ``kb``."""

from .cli import main

main()
