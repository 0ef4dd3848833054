"""The layers of ARCHITECTURE.md hold: the import-linter contracts in pyproject.toml are kept.

Entry points sit on top; below them the encoder (``actors/``) and the services (``apis/``),
neither importing the other; then the pipeline; the kernel (``codeflix/``) at the bottom.
No service imports another, only ``actors/`` imports Ray, and no module imports itself
through others when the program runs (imports made only for type checking may loop).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

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


def test_no_import_cycles_at_run_time() -> None:
    graph = grimp.build_graph(
        "entrypoints", "actors", "apis", "pipeline", "codeflix", exclude_type_checking_imports=True
    )
    cycles = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back:
                cycles.append(" -> ".join((module, *back)))
    assert cycles == []
