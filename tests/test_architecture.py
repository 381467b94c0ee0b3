"""The house's layers hold (README, "Architecture: layers").

The import contract itself is checked by `make lint` (import-linter); these tests keep it
in the suite too, and pin what the contract cannot see: no app reaches another from inside
a function to dodge the layers (what an app registers with the apps below it is in its
`registrations.py`, run from `apps.py` once every model is loaded), and every stateful
model that journals steps says who acts after them.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from accounts import steps
from core import labels

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "core",
    "accounts",
    "alliances",
    "plans",
    "funding",
    "monitoring",
    "reports",
    "webhooks",
    "demo",
)


def test_the_import_contract_is_kept():
    linter = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [linter, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _imports_inside_functions(path: Path) -> list[str]:
    """Imports of the project's own modules (any app, or relative) inside a function."""
    found = []

    def visit(node, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            now = inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            modules = []
            if isinstance(child, ast.ImportFrom):
                relative = "." * child.level + (child.module or "")
                modules = [relative] if child.level else [child.module or ""]
            elif isinstance(child, ast.Import):
                modules = [alias.name for alias in child.names]
            for module in modules:
                ours = module.startswith(".") or module.split(".")[0] in APPS
                if now and ours:
                    found.append(f"{path.relative_to(ROOT)}:{child.lineno} imports {module}")
            visit(child, now)

    visit(ast.parse(path.read_text()), False)
    return found


def test_no_module_of_ours_is_imported_inside_a_function():
    """Neither between apps nor within one (migrations included): a cycle shows at import
    time. Only an AppConfig's `ready` imports its `registrations`, as Django requires."""
    hidden = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "apps.py":
                continue
            hidden += _imports_inside_functions(path)
    # The tests too import the apps at the top of their modules (their own helpers, by
    # relative import, may be read late).
    for path in (ROOT / "tests").rglob("*.py"):
        hidden += [f for f in _imports_inside_functions(path) if " imports ." not in f]
    assert hidden == [], "\n".join(hidden)


def test_every_stateful_model_says_who_acts_after_its_steps():
    unowned = [
        machine.model
        for machine in labels.machines()
        if machine.steps
        and steps.owner(machine.model) is None
        and machine.model != "reports.ReportJob"  # a job's steps concern its requester only
    ]
    assert unowned == []
