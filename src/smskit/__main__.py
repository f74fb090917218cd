"""``python -m smskit``: the same as the ``smskit`` command."""

from __future__ import annotations

import sys

from smskit._cli import main

if __name__ == "__main__":
    sys.exit(main())
