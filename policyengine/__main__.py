"""``python -m policyengine``: the same as the ``policyengine`` command."""

import sys

from policyengine.cli.main import main

sys.exit(main())
