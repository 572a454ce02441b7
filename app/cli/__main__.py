"""``python -m opskpi.app.cli``: the same as the ``opskpi`` console script."""

import sys

from opskpi.app.cli.main import main

sys.exit(main())
