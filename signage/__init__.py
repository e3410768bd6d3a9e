"""Infotavle: a digital signage server.

The package body stays import-light so that `signage serve` can let gevent patch the
standard library before Flask, SQLAlchemy and friends are imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from signage.app import create_app, resource_dir
    from signage.config import Settings

__all__ = ["Settings", "create_app", "resource_dir"]


def __getattr__(name: str) -> Any:
    if name in {"create_app", "resource_dir"}:
        from signage import app

        return getattr(app, name)
    if name == "Settings":
        from signage.config import Settings

        return Settings
    raise AttributeError(name)
