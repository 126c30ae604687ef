"""``python -m repair``: the command line, as the ``repair`` script runs it."""

from repair.cli import main

main()
