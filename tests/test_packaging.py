"""The package as users get it: a wheel installed outside the checkout, and an import graph without cycles."""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGES = ("kb", "ingest")


def run(argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str], Path]:
    """The project's wheel in a new virtual environment in a temporary folder: (bin dir, env, work dir).

    The new environment sees this interpreter's site-packages for the dependencies (through a
    .pth file, which does not run the checkout's editable-install hook), so nothing is downloaded;
    the project itself comes only from the wheel.
    """
    tmp = tmp_path_factory.mktemp("wheel")
    dist, venv, work = tmp / "dist", tmp / "venv", tmp / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "PYTHON", "VIRTUAL_ENV"))}
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)],
        cwd=work,
        env=env,
    )
    [wheel] = dist.glob("ai_policy_kb-*.whl")
    run([sys.executable, "-m", "venv", str(venv)], cwd=work, env=env)
    bin_dir = venv / "bin"
    site = Path(
        run(
            [str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            cwd=work,
            env=env,
        ).strip()
    )
    (site / "_kb_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([str(bin_dir / "python"), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], cwd=work, env=env)
    env.update(KB_HOME=str(tmp / "kbhome"), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}")
    return bin_dir, env, work


@pytest.mark.slow
def test_the_wheel_carries_its_data_and_runs_the_main_commands(installed):
    bin_dir, env, work = installed
    where = run([str(bin_dir / "python"), "-c", "import kb; print(kb.__file__)"], cwd=work, env=env)
    assert str(ROOT) not in where  # the wheel's copy, not the checkout
    out = run([str(bin_dir / "kb"), "demo"], cwd=work, env=env)
    assert "61 new" in out and "0 failed" in out
    hits = json.loads(run([str(bin_dir / "kb"), "search", "H20", "--json"], cwd=work, env=env))
    assert hits["total"] > 0
    timeline = json.loads(run([str(bin_dir / "kb"), "timeline", "--entity", "openai", "--json"], cwd=work, env=env))
    assert any(e["date"] == "2024-07-09" for e in timeline["events"])  # from the curated timeline in the wheel
    out = run([str(bin_dir / "kb"), "entity", "nvidia"], cwd=work, env=env)
    assert "Nvidia" in out  # the entity registry is in the wheel


@pytest.mark.slow
def test_kb_app_starts_the_installed_app(installed):
    bin_dir, env, work = installed
    port = free_port()
    proc = subprocess.Popen(
        [str(bin_dir / "kb"), "app", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health-kb", timeout=5) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None and body["status"] == "ok", proc.stdout.read().decode() if proc.stdout else ""
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


# ---- the import graph --------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str, modules: set[str]) -> set[str]:
    """The project modules `path` imports at run time (imports under `if TYPE_CHECKING:` are left out).

    `from package import submodule` is an edge to the submodule only: the package itself is
    imported first in any case, as the parent of every module in it.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules
            found |= submodules
            if len(submodules) < len(node.names):
                found.add(base)
    return found & modules - {module}


def import_graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts]
    paths = {_module_name(p): p for p in files}
    return {name: _imports(path, name, set(paths)) for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None (depth-first search with colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    """The import graph, read once for the module's tests (about a second of parsing)."""
    return import_graph()


def test_no_import_cycle_in_kb_or_ingest(graph):
    assert "kb.pipeline" in graph and "kb.entities" in graph["kb.pipeline"]  # the walk sees real edges
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_ingest_never_imports_kb(graph):
    assert not [(m, d) for m, deps in graph.items() if m.startswith("ingest") for d in deps if d.startswith("kb")]


@pytest.mark.slow  # a whole interpreter importing everything, Streamlit included: five seconds
def test_every_module_imports_in_a_fresh_interpreter(graph):
    modules = sorted(m for m in graph if m not in ("kb.webapp",))
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    subprocess.run([sys.executable, "-c", code, *modules], cwd=ROOT, check=True, timeout=120)
