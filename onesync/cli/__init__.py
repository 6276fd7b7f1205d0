"""The command line: each command parses, makes one library call, renders, and exits.

Command modules live beside this file (``onesync/cli/<command>.py``), each exporting one click
command or group that ``main`` registers.
"""

from __future__ import annotations

from onesync.cli.main import main

__all__ = ["main"]
