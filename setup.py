"""Build step: the wheel carries the top-level templates/, static/ and migrations/ folders.

The checkout keeps them at the top level (where people look for them); a wheel puts copies
inside the package, where ``eventsys`` finds them when it is installed (see
``eventsys.shipped_folder``). Everything else about the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED_FOLDERS = ("templates", "static", "migrations")


class build_py_with_folders(build_py):
    """``build_py`` that also copies the shipped folders into the built package."""

    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install uses the checkout's folders where they are
        for name in SHIPPED_FOLDERS:
            target = Path(self.build_lib, "eventsys", name)
            shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]")
            )


setup(cmdclass={"build_py": build_py_with_folders})
