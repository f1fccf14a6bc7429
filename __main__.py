"""`python -m ponder`: the same as the `ponder` command."""

from ponder.agent.cli import main

main()
