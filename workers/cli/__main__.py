"""`python -m workers.cli`: the same as the `chibo` command."""

from workers.cli import main

main()
