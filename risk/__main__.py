"""`python -m risk ...`: the headless entry to the same engine the pages use."""
import sys

from risk.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
