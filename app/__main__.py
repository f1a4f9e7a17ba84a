"""``python -m app``: the same as the ``cspr-hub`` command."""

from app.cli import main

main()
