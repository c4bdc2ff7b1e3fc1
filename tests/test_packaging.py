"""One list of dependencies (pyproject.toml), true Python versions, and CI runs the README's test command."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def normalised(requirements):
    """{package name: version specifier} with names in canonical form."""
    parsed = [Requirement(text) for text in requirements]
    return {canonicalize_name(req.name): str(req.specifier) for req in parsed}


def test_environment_yml_lists_no_packages_but_installs_the_lesson_with_its_lab_extra():
    """pyproject.toml is the one list of dependencies; conda and Binder get them through pip."""
    env = environment()
    assert env["channels"] == ["conda-forge"]
    sections = [item for item in env["dependencies"] if isinstance(item, dict)]
    assert sections == [{"pip": ["-e .[lab]"]}]
    assert sorted(item for item in env["dependencies"] if isinstance(item, str)) == ["pip", "python=3.11"]


def test_the_python_versions_are_the_ones_the_lesson_supports():
    from packaging.specifiers import SpecifierSet

    project = pyproject()["project"]
    supported = SpecifierSet(project["requires-python"])
    classified = [line.rsplit(":: ", 1)[1] for line in project["classifiers"] if "Python :: 3." in line]
    assert classified and all(version in supported for version in classified)
    assert "3.10" not in supported, "scripts/build_notebooks.py and the tests import tomllib (3.11+)"
    assert "3.12" in supported, "Colab runs Python 3.12"
    conda_python = next(item for item in environment()["dependencies"] if str(item).startswith("python="))
    assert conda_python.split("=")[1] in supported


def test_every_package_the_helpers_import_is_declared():
    import ast
    import sys

    declared = set(normalised(pyproject()["project"]["dependencies"]))
    import_names = {"sklearn": "scikit-learn", "skimage": "scikit-image", "PIL": "pillow"}
    for path in (ROOT / "helpers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                     else [])
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in {"helpers", "IPython", "google"}:
                    continue  # IPython comes with Jupyter's kernel; google.colab only exists on Colab
                package = canonicalize_name(import_names.get(top, top))
                assert package in declared, (f"{path.relative_to(ROOT)} imports {name}, which pyproject.toml "
                                             "does not declare")


def test_dependencies_have_the_versions_the_lesson_needs():
    deps = normalised(pyproject()["project"]["dependencies"])
    assert "tensorflow-cpu" not in deps, "tensorflow-cpu has no macOS wheels"
    assert deps["tensorflow"] == ">=2.16"
    assert deps["keras"].startswith(">=3")
    assert deps["ipywidgets"] == ">=7.7", "Colab ships ipywidgets 7"
    for name in ["numpy", "pandas", "matplotlib", "seaborn", "scikit-learn", "scipy",
                 "scikit-image"]:
        assert name in deps
    assert "jupyterlab" not in deps, "Colab has its own notebook server: JupyterLab is the lab extra"
    assert normalised(pyproject()["project"]["optional-dependencies"]["lab"]) == {"jupyterlab": ""}


def test_test_extra_brings_pytest_the_notebook_runner_and_the_parallel_workers_that_addopts_asks_for():
    extra = normalised(pyproject()["project"]["optional-dependencies"]["test"])
    assert {"pytest", "pytest-xdist", "nbclient"} <= set(extra)
    assert "-n auto" in pyproject()["tool"]["pytest"]["ini_options"]["addopts"]


def readme_command(heading):
    """The first fenced bash command after a bold heading in the README."""
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"\*\*{re.escape(heading)}\*\*\s*```bash\n(.+?)\n```", text, re.S)
    assert match, f"README.md has no bash block under **{heading}**"
    return match.group(1).strip()


def test_ci_runs_the_readme_test_command_in_a_folder_of_its_own():
    command = readme_command("Run the tests")
    assert "pytest" in command and ".venv" in command
    ci = (ROOT / ".ci" / "run").read_text()
    # .ci/run runs the command's steps one line each, to time the install and the tests apart;
    # the pytest line may add reporting options (--durations, --junitxml).
    lines = [line.strip() for line in ci.splitlines()]
    position = 0
    for step in command.replace(".venv", ".ci/venv").split(" && "):
        found = [index for index, line in enumerate(lines[position:], position)
                 if line == step or (step == "pytest" and line.startswith("pytest "))]
        assert found, f".ci/run does not run {step!r} after the README's earlier steps"
        position = found[0] + 1
    assert "rm -rf .venv" not in ci, "CI must not delete the developer's environment"


def test_ci_installs_the_browser_and_fails_when_the_tests_fail():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y -qq chromium" in ci and "[ ! -x /usr/bin/chromium ]" in ci
    assert "set -euo pipefail" in ci and 'exit "$status"' in ci
    extra = normalised(pyproject()["project"]["optional-dependencies"]["test"])
    assert {"playwright", "axe-playwright-python"} <= set(extra)
    assert "cnn-image-classification-lesson[lab,site]" in pyproject()["project"]["optional-dependencies"]["test"]


def test_readme_setup_command_installs_and_opens_the_lesson():
    command = readme_command("Set up and open the lesson")
    assert 'pip install -e ".[lab]"' in command and "jupyter lab episodes" in command


# --- the linter ------------------------------------------------------------------------------

def test_ruff_is_configured_and_ci_runs_it_after_the_install_and_before_the_tests():
    ruff = pyproject()["tool"]["ruff"]
    assert ruff["line-length"] == 120
    assert {"E", "F", "W", "I"} <= set(ruff["lint"]["select"])
    assert {".venv", ".ci", "_build", "episodes/learners"} <= set(ruff["extend-exclude"])
    assert "ruff" in normalised(pyproject()["project"]["optional-dependencies"]["test"])
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    install = lines.index('pip install -e ".[test]"')
    tests = next(index for index, line in enumerate(lines) if line == "pytest" or line.startswith("pytest "))
    assert install < lines.index("ruff check .") < tests


# --- the scripts: packages run with python -m, imports in one direction -----------------------

LAYERED = ("scripts", "benchmarks")  # the packages whose modules are commands or what the commands share


def python_files():
    """Every Python file of the repository that is not an environment or a build."""
    skipped = {".venv", ".ci", "_build", ".git"}
    return [path for path in ROOT.rglob("*.py") if not skipped & set(path.relative_to(ROOT).parts)]


def imported_modules(path):
    """The modules a file imports, ``from scripts import build_notebooks`` counting as scripts.build_notebooks."""
    import ast

    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            if node.module in LAYERED:
                modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def commands():
    """The modules of scripts/ and benchmarks/ that are commands: they run as ``python -m PACKAGE.NAME``."""
    return {f"{package}.{path.stem}" for package in LAYERED for path in (ROOT / package).glob("*.py")
            if 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")}


def test_no_file_changes_sys_path():
    import ast

    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in ("insert", "append")
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "path"
                    and isinstance(node.value.value, ast.Name) and node.value.value.id == "sys"):
                raise AssertionError(f"{path.relative_to(ROOT)} changes sys.path; import the module as "
                                     "scripts.NAME or benchmarks.NAME, run from the repository root")


def test_nothing_imports_a_command_and_the_shared_modules_and_helpers_import_no_script():
    found = commands()
    assert {"scripts.build_notebooks", "scripts.run_notebooks", "benchmarks.run_benchmarks"} <= found
    for path in python_files():
        if path.parts[len(ROOT.parts)] == "tests":
            continue  # the tests may import whatever they test
        where = path.relative_to(ROOT)
        imported = imported_modules(path)
        assert not imported & found, f"{where} imports the command {sorted(imported & found)}; run it instead"
        module = ".".join(where.with_suffix("").parts)
        if where.parts[0] == "helpers" or (where.parts[0] in LAYERED and module not in found):
            layered = {name for name in imported if name.split(".")[0] in LAYERED}
            assert not layered, f"{where} imports {sorted(layered)}: only a command may import scripts or benchmarks"


def test_every_command_names_itself_as_python_dash_m():
    for module in commands():
        source = (ROOT / module.replace(".", "/")).with_suffix(".py").read_text(encoding="utf-8")
        assert f"python -m {module}" in source.split('"""')[1], f"{module}'s docstring should show how to run it"
