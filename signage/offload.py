"""Keep the gevent hub free: disk- and CPU-heavy steps of a request (hashing and copying
a 200 MB upload) run in a native thread when the server runs on gevent.

Outside gevent (tests, the command line, the jobs process) the work runs inline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def off_hub(work: Callable[..., T], *args: Any) -> T:
    try:
        from gevent import get_hub, monkey
    except ImportError:  # gevent is a dependency, but this module must not need it
        return work(*args)
    if not monkey.is_module_patched("threading"):
        return work(*args)
    return get_hub().threadpool.apply(work, args)
