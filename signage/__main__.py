"""`python -m signage`: the same command line as `signage`."""

from signage.cli import main

main()
