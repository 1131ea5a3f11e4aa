"""The architecture, checked: vae_core's wings import only downwards, without cycles, never streamlit;
files stay small; no library module is named after a page."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from testkit import REPO

ROOT = REPO
CORE = ROOT / "vae_core"

# What each wing may import from inside vae_core. "top" is errors.py and fileio.py, which every wing uses.
ALLOWED = {
    "top": {"top"},
    "data": {"top", "data"},
    "oned": {"top", "oned"},
    "vae": {"top", "data", "vae"},
    "images": {"top", "data", "vae", "images"},
    "latent": {"top", "data", "vae", "latent"},
    "cvae": {"top", "data", "vae", "cvae"},
    "cli": {"top", "data", "oned", "vae", "images", "latent", "cvae", "cli"},
}
ENTRY_POINTS = {"vae_core", "vae_core.__main__"}  # they re-export or dispatch; any wing is fine
PAGES_NAMED_AFTER_A_CONCEPT = {"traversal"}  # "latent traversal" is the textbook operation the page shows


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def wing(module: str) -> str:
    parts = module.split(".")
    return "top" if len(parts) <= 2 and parts[-1] in ("errors", "fileio") else parts[1]


def imported_modules(path: Path) -> list[str]:
    """Absolute names of everything a file imports, at module level or inside functions."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            # "from . import gmm1d" names a module; "from .model import VAE" names an attribute of one.
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.append(candidate if module_exists(candidate) else target)
    return found


def module_exists(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def core_graph() -> dict[str, set[str]]:
    graph = {}
    for path in core_files():
        deps = {m for m in imported_modules(path) if m.startswith("vae_core.") and module_exists(m)}
        graph[module_name(path)] = deps
    return graph


def test_the_library_is_grouped_into_wings():
    wings = {p.name for p in CORE.iterdir() if (p / "__init__.py").is_file()}
    assert wings == {"data", "oned", "vae", "images", "latent", "cvae", "cli"}
    top = {p.name for p in CORE.glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "errors.py", "fileio.py"}
    for package in [CORE / w for w in wings]:
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
        assert doc, f"{package.name}/__init__.py must say in one line what lives there"


def test_wings_import_only_downwards():
    wrong = []
    for module, deps in core_graph().items():
        if module in ENTRY_POINTS:
            continue
        for dep in deps:
            if dep == "vae_core" or wing(dep) not in ALLOWED[wing(module)]:
                wrong.append(f"{module} -> {dep}")
    assert not wrong, "imports that run the wrong way:\n" + "\n".join(sorted(wrong))


def test_no_import_cycles():
    graph = core_graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if dep == node or dep.endswith(".__init__"):
                continue
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_the_layering_check_can_fail(tmp_path, monkeypatch):
    # A data module that imports the VAE must be caught; otherwise the test above proves nothing.
    fake = CORE / "data" / "_layout_probe.py"
    fake.write_text("from ..vae.model import VAE\n")
    try:
        with pytest.raises(AssertionError, match="_layout_probe -> vae_core.vae.model"):
            test_wings_import_only_downwards()
    finally:
        fake.unlink()


def test_the_library_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in core_files()
                 if any(m == "streamlit" or m.startswith("streamlit.") for m in imported_modules(p))]
    assert not offenders


def test_files_stay_small():
    files = [*core_files(), *(ROOT / "app").rglob("*.py"), *(ROOT / "app").rglob("*.js")]
    long = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text().splitlines())) > 350}
    assert not long, f"split these by concept: {long}"


def test_no_library_module_is_named_after_a_page():
    pages = {p.stem for p in (ROOT / "app" / "pages").glob("*.py")} - PAGES_NAMED_AFTER_A_CONCEPT
    named = [str(p.relative_to(ROOT)) for p in core_files() if p.stem in pages]
    assert not named


def test_each_page_keeps_its_helpers_in_a_folder_of_its_own():
    loose = [p.name for p in (ROOT / "app").glob("*.py") if p.name != "__init__.py"]
    assert not loose, f"app/ holds only folders: {loose}"


def test_ruff_finds_nothing():
    # .ci/run runs `ruff check .` before pytest; this keeps the README's test command alone just as strict.
    ruff = shutil.which("ruff")
    if ruff is None:
        message = "ruff is not installed (pip install -r requirements-dev.txt)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    result = subprocess.run([ruff, "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]


def test_ci_runs_the_readmes_test_command():
    readme = (ROOT / "README.md").read_text()
    command = readme.split("## Run the tests", 1)[1].split("```bash\n", 1)[1].split("\n", 1)[0]
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci == command.replace(" && python -m pytest", " && ruff check . && python -m pytest")
