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
                assert package in declared, f"{path.relative_to(ROOT)} imports {name}, which pyproject.toml does not declare"


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


def test_test_extra_brings_pytest_nbval_and_the_parallel_workers_that_addopts_asks_for():
    extra = normalised(pyproject()["project"]["optional-dependencies"]["test"])
    assert {"pytest", "pytest-xdist", "nbval"} <= set(extra)
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
