"""Sessions that prove Ember's packaging: each package alone, every combination,
everything together, plus lint, docs, parity with PyTorch, benchmarks and the demo.

Run ``python -m nox`` for the default sessions (the README's test command) or
``python -m nox -s demo`` for the main job.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).parent
nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["lint", "tests", "combinations", "all", "parity", "docs"]

TEST_DEPS = ["pytest>=8", "hypothesis>=6"]
# What the examples and the cross-package tests in tests/ need beyond the packages.
EXAMPLE_DEPS = ["scikit-learn>=1.3", "tqdm>=4.60"]
PYTEST = ["pytest", "-q", "-p", "no:cacheprovider", "-m", "not parity and not mpi"]


def _read_packages() -> dict:
    """name -> (folder, set of sibling ember packages it depends on)."""
    found = {}
    for pyproject in sorted(ROOT.glob("*/ember-*/pyproject.toml")):
        config = tomllib.loads(pyproject.read_text())
        meta = config["project"]
        # Test-only tools (scipy as a reference...) come from the package's own
        # [dependency-groups] test list.
        TEST_GROUPS[meta["name"]] = config.get("dependency-groups", {}).get("test", TEST_DEPS)
        deps = {
            d.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip()
            for d in meta.get("dependencies", [])
        }
        found[meta["name"]] = (pyproject.parent, {d for d in deps if d.startswith("ember-")})
    return found


TEST_GROUPS: dict = {}  # package -> its test dependencies
PACKAGES = _read_packages()


def test_deps(names) -> list:
    """The union of the test dependency groups of ``names``."""
    return sorted({d for n in names for d in TEST_GROUPS[n]})


def closure(names) -> list:
    """``names`` and every ember package they depend on, dependencies first."""
    seen: list = []

    def visit(name):
        if name not in PACKAGES:
            raise ValueError(f"unknown package {name!r}: known {sorted(PACKAGES)}")
        for dep in sorted(PACKAGES[name][1]):
            visit(dep)
        if name not in seen:
            seen.append(name)

    for n in names:
        visit(n)
    return seen


def dependency_closed_sets() -> list:
    """Every non-empty set of packages that contains the dependencies of its members."""
    names = sorted(PACKAGES)
    sets = []
    for r in range(1, len(names) + 1):
        for combo in itertools.combinations(names, r):
            if all(PACKAGES[n][1] <= set(combo) for n in combo):
                sets.append(combo)
    return sets


def _install(session, names, *extra):
    """Build ``names`` (and nothing else of Ember) as wheels and install them."""
    session.install(*[str(PACKAGES[n][0]) for n in closure(names)], *extra)


@nox.session
@nox.parametrize("package", sorted(PACKAGES))
def tests(session, package):
    """One package's tests, with only it and its declared dependencies installed."""
    _install(session, [package], *test_deps([package]))
    session.run(*PYTEST, str(PACKAGES[package][0] / "tests"), *session.posargs)


@nox.session
def combinations(session):
    """Every dependency-closed set of packages installs and imports on its own."""
    session.install("uv")
    for combo in dependency_closed_sets():
        env = Path(session.create_tmp()) / (
            "env-" + "-".join(n.removeprefix("ember-") for n in combo)
        )
        session.run("uv", "venv", "-q", str(env), silent=True)
        py = str(env / ("Scripts" if sys.platform == "win32" else "bin") / "python")
        paths = [str(PACKAGES[n][0]) for n in closure(combo)]
        session.run("uv", "pip", "install", "-q", "--python", py, *paths, silent=True)
        session.run(py, str(ROOT / "tools" / "check_imports.py"), *combo, external=True)


@nox.session(name="all")
def all_(session):
    """Everything installed together: every package's tests and the cross-package tests."""
    _install(session, sorted(PACKAGES), *test_deps(PACKAGES), *EXAMPLE_DEPS)
    test_dirs = [str(path / "tests") for path, _ in PACKAGES.values()]
    session.run(*PYTEST, *test_dirs, str(ROOT / "tests"), *session.posargs)


@nox.session
def lint(session):
    """ruff check, ruff format --check, and the line budget."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("python", str(ROOT / "tools" / "sz.py"))


@nox.session(venv_backend="venv")
def parity(session):
    """Tests marked ``parity``, against PyTorch 2.13 (CPU), where it can be installed."""
    try:
        session.run("python", "-m", "pip", "install", "-q", "torch==2.13.0", silent=True)
    except nox.command.CommandFailed:
        session.skip(
            "torch==2.13.0 cannot be installed on this machine (it is only "
            "available here as a local CPU build for Python 3.11)"
        )
    _install(session, sorted(PACKAGES), *test_deps(PACKAGES))
    test_dirs = [str(path / "tests") for path, _ in PACKAGES.values()]
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "parity",
        *test_dirs,
        str(ROOT / "tests"),
        *session.posargs,
    )


@nox.session
def docs(session):
    """The documentation site, built strictly (any warning fails)."""
    _install(session, sorted(PACKAGES), "mkdocs", "mkdocs-material", "mkdocstrings[python]")
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    session.run(
        "mkdocs", "build", "--strict", "--site-dir", str(Path(session.create_tmp()) / "site")
    )


@nox.session(venv_backend="venv")
def bench(session):
    """Benchmarks: ember beside PyTorch (CPU) and NumPy, printed as tables."""
    session.run("python", "-m", "pip", "install", "-q", "torch==2.13.0", silent=True)
    _install(session, sorted(PACKAGES))
    for script in sorted((ROOT / "bench").glob("*.py")):
        session.run("python", str(script), *session.posargs)


@nox.session
def demo(session):
    """The main job, the README's first command: train a CNN on the bundled digits."""
    _install(session, sorted(PACKAGES), *EXAMPLE_DEPS)
    out = Path(session.create_tmp()) / "checkpoints"
    session.run(
        "python", str(ROOT / "examples" / "train_digits.py"), "--out", str(out), *session.posargs
    )
