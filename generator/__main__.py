"""`python -m generator`: the same as the `digest` command."""

from generator.cli import main

main()
