"""Build hook: compile the native fast path of log verification (ejournal/log/_scan.c).

It needs a C compiler and OpenSSL's headers (Debian: gcc, libssl-dev). Without them the
install goes on and verification runs the Python reference path alone: same verdicts, about
five times slower (ejournal/log/fastscan.py, docs/adr/0009-native-verify-fast-path.md).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "ejournal/log/_scan.c"
LIBRARY = "ejournal/log/_scan.so"


def compile_scanner(root: Path) -> str | None:
    """Compile the library next to its source. Returns None, or why it could not be built."""
    found = shutil.which("cc") or shutil.which("gcc")
    compiler = shlex.split(os.environ["CC"]) if os.environ.get("CC") else [found] if found else []
    if not compiler:
        return "no C compiler (Debian: apt-get install gcc libssl-dev)"
    target = root / LIBRARY
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "_scan.so"
        command = [*compiler, "-O2", "-std=c11", "-shared", "-fPIC", "-o", str(out)]
        command += [str(root / SOURCE), "-lcrypto"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as e:
            return f"cannot run {compiler[0]}: {e}"
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["(no output)"])[0]
            return f"{compiler[0]} failed: {first} (Debian: apt-get install gcc libssl-dev)"
        shutil.copyfile(out, target.with_suffix(".so.new"))
    os.chmod(target.with_suffix(".so.new"), 0o755)
    os.replace(target.with_suffix(".so.new"), target)
    return None


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        problem = compile_scanner(Path(self.root))
        if problem:
            print(
                f"ejournal: the native verify fast path was not built: {problem}; "
                "verification will use the (slower) Python path.",
                file=sys.stderr,
            )
            return
        if version != "editable":
            build_data["artifacts"].append(LIBRARY)
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
