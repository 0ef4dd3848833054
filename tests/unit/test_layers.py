"""The layers of ARCHITECTURE.md hold: the import-linter contracts in pyproject.toml are kept.

Entry points sit on top; below them the encoder (``actors/``) and the services (``apis/``),
neither importing the other; then the pipeline; the kernel (``codeflix/``) at the bottom.
No service imports another, and only ``actors/`` imports Ray.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_import_follows_the_layers() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout, result.stdout
