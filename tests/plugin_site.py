"""Install a small plugin the way pip lays it out (package + dist-info with an entry
point), in a directory that a subprocess gets on its PYTHONPATH."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path


def install_plugin(site: Path, name: str, source: str, version: str = "1.0") -> None:
    package = f"hookmux_{name.replace('-', '_')}"
    (site / package).mkdir(parents=True, exist_ok=True)
    (site / package / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    dist = site / f"{package}-{version}.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: hookmux-{name}\nVersion: {version}\n")
    (dist / "entry_points.txt").write_text(f"[hookmux]\n{name} = {package}\n")


def uninstall_plugin(site: Path, name: str) -> None:
    package = f"hookmux_{name.replace('-', '_')}"
    shutil.rmtree(site / package)
    for dist in site.glob(f"{package}-*.dist-info"):
        shutil.rmtree(dist)
