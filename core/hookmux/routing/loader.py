"""Import a plugin from its entry point target, without importing discovery's machinery."""

from __future__ import annotations

import sys
from typing import Any


def load_target(target: str) -> Any:
    """Import ``module`` or ``module:attr.path`` (an entry point value)."""
    module_name, _, attr_path = target.partition(":")
    # __import__ (not importlib.import_module) keeps plugin imports visible to -X importtime.
    __import__(module_name.strip())
    obj: Any = sys.modules[module_name.strip()]
    for attr in filter(None, attr_path.strip().split(".")):
        obj = getattr(obj, attr)
    return obj
