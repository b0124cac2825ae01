"""``python -m hubopt`` runs the command-line interface."""

from hubopt.cli import main

main()
