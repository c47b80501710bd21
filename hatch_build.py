"""Hatchling build hook: compile the optional C record walk (src/graph_contracts/autopilot/_hashwalk.c).

Why a hook and not a switch to setuptools: the wheel's layout (``packages`` and the
``force-include`` of contracts/, schemas/ and cassettes/ into ``graph_contracts/_data/``) stays
hatchling's, untouched; the hook only adds one compiled file. It compiles with setuptools'
``build_ext``, which knows each platform's compiler (gcc or clang on Linux and macOS, MSVC on
Windows) and the interpreter's flags, so nothing here is platform-specific.

The extension is optional: ``graph_contracts.autopilot.hash_walk`` falls back to the same walk in
Python. So when the compiler is missing or fails, the hook prints why and builds a pure-Python
wheel (``py3-none-any``), and the install still succeeds. ``GRAPH_CONTRACTS_PURE_PYTHON`` set (to
anything but ``0``) at build time skips the compiler on purpose. A wheel with the extension is
tagged for the interpreter and platform that built it.

An editable install (``pip install -e .``) puts the compiled file beside the source in
``src/graph_contracts/autopilot/`` (ignored by git), since that is where the package is imported from.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

EXTENSION = "graph_contracts.autopilot._hashwalk"
SOURCE = "src/graph_contracts/autopilot/_hashwalk.c"
PURE_PYTHON_ENV = "GRAPH_CONTRACTS_PURE_PYTHON"


class HashWalkBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._temp: str | None = None
        if version == "editable":
            self._remove_in_place()  # an editable install must not keep running an older build's walk
        if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
            self._say(f"{PURE_PYTHON_ENV} is set: building without the C record walk (pure Python)")
            return
        built = self._compile()
        if built is None:
            return
        relative = "graph_contracts/autopilot/" + built.name
        if version == "editable":
            target = Path(self.root, "src", relative)
            # A new file moved over the old one, not written into it: a process that has the old one
            # loaded (a test run) keeps its copy intact.
            staged = target.with_name(target.name + ".new")
            shutil.copyfile(built, staged)
            os.replace(staged, target)
            self._say(f"built {target.relative_to(self.root)} in place for the editable install")
        else:
            build_data["force_include"][str(built)] = relative
            self._say(f"built {relative}")
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)

    def _compile(self) -> Path | None:
        """The compiled extension in a temporary folder, or None (and why, on stderr) when it did not build."""
        try:
            from setuptools import Distribution, Extension
            from setuptools.command.build_ext import build_ext
        except ImportError as e:  # pragma: no cover - setuptools is in build-system.requires
            self._say(f"setuptools unavailable ({e}): building without the C record walk (pure Python)")
            return None
        self._temp = tempfile.mkdtemp(prefix="graph-contracts-hashwalk-")
        extension = Extension(EXTENSION, [str(Path(self.root, SOURCE))])
        dist = Distribution({"name": "graph-contracts-hashwalk", "ext_modules": [extension]})
        command = build_ext(dist)
        command.build_lib = os.path.join(self._temp, "lib")
        command.build_temp = os.path.join(self._temp, "temp")
        try:
            command.ensure_finalized()
            command.run()
        except Exception as e:  # CompileError, LinkError, a missing compiler (DistutilsPlatformError, OSError)
            self._say(
                f"could not compile {SOURCE} ({type(e).__name__}: {e}): building without the C record walk; "
                "graph-contracts works the same, with the record walk in Python"
            )
            return None
        outputs = [Path(p) for p in command.get_outputs()]
        return outputs[0] if outputs and outputs[0].is_file() else None

    def _remove_in_place(self) -> None:
        """Delete what an earlier editable install compiled beside the source (a process that has it
        loaded keeps its copy on POSIX; on Windows a loaded file cannot go, and is left)."""
        for path in Path(self.root, "src", "graph_contracts", "autopilot").glob("_hashwalk*"):
            if path.suffix in (".so", ".pyd"):
                try:
                    path.unlink()
                except OSError as e:
                    self._say(f"could not remove {path.name} ({e}); it stays in use")

    def _say(self, message: str) -> None:
        print(f"graph-contracts build: {message}", file=sys.stderr)
