"""``python -m agentchat``: the same as the ``agentchat`` command."""

import sys

from ._cli import main

sys.exit(main())
