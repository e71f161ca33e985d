"""``python -m policyengine``: the same as the ``policyengine`` command."""

import sys

from policyengine.cli.main import main

if __name__ == "__main__":  # worker processes (batch --jobs) import this module too
    sys.exit(main())
