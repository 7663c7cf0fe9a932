"""IPython magics for MMDS: ``%load_ext mmds_jupyter`` then ``%mmds ...``."""

from __future__ import annotations

from typing import Any


def load_ipython_extension(ipython: Any) -> None:
    """Register the ``%mmds`` line and cell magic."""
    from .magic import MMDSMagics

    ipython.register_magics(MMDSMagics(shell=ipython, parent=ipython))


def unload_ipython_extension(ipython: Any) -> None:
    """Nothing to undo: the magic stays registered until the kernel restarts."""
