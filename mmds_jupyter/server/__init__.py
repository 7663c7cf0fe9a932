"""jupyter-server extension of MMDS (enabled by jupyter-config/server-config/mmds_jupyter.json)."""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .app import MMDSExtension

    return [{"module": "mmds_jupyter.server", "app": MMDSExtension}]
