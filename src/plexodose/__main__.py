"""``python -m plexodose``: the same command line as ``plexodose``."""

import sys

from plexodose.cli import main

if __name__ == "__main__":
    sys.exit(main())
