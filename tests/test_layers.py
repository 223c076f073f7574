"""The house's one rule between domains: imports run downwards only.

``create_app`` lists the domains lowest first (``eventsys.DOMAINS``); the shared modules at the
package's top level (extensions, errors, signals, text …) sit under all of them. A domain may
import the shared modules and the domains before it, never one after it; a shared module
imports no domain. Imports inside functions count too: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

from eventsys import DOMAINS

PACKAGE = Path(__file__).resolve().parent.parent / "eventsys"
# Modules at the top that may see every domain: the factory and the model catalogue.
ABOVE_ALL = {"eventsys", "eventsys.models"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name.startswith("eventsys.")}


def _domain_rank(module: str) -> int | None:
    """The domain's place in DOMAINS (higher is built on lower); None for shared modules."""
    for rank, domain in enumerate(DOMAINS):
        if module == domain or module.startswith(domain + "."):
            return rank
    return None


def test_domains_import_only_downwards():
    upwards = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if module in ABOVE_ALL:
            continue
        own = _domain_rank(module)
        for imported in _imports(path):
            rank = _domain_rank(imported)
            if rank is None:
                continue
            if own is None or rank > own:
                upwards.append(f"{module} imports {imported}")
    assert not upwards, "imports that run upwards:\n" + "\n".join(sorted(upwards))


def test_every_domain_package_registers_itself():
    import importlib

    for name in DOMAINS:
        assert callable(getattr(importlib.import_module(name), "init_app", None)), name
