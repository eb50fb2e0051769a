"""``python -m smartsim.server.worker``: see ``supervisor.build_parser``."""

import sys

from .supervisor import main

sys.exit(main())
