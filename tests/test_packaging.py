"""The two dependency lists agree, and CI runs the README's test command."""

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


def environment_pip_section():
    sections = [item for item in environment()["dependencies"] if isinstance(item, dict)]
    assert len(sections) == 1 and "pip" in sections[0], "environment.yml needs one pip: section"
    return sections[0]["pip"]


def test_environment_yml_installs_the_same_packages_as_pyproject():
    pip_lines = environment_pip_section()
    packages = [line for line in pip_lines if not line.startswith("-e")]
    assert normalised(packages) == normalised(pyproject()["project"]["dependencies"])


def test_environment_yml_installs_the_helpers_package_from_the_checkout():
    assert "-e ." in environment_pip_section()


def test_environment_yml_is_conda_forge_python_311_with_pip():
    env = environment()
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in env["dependencies"]
    assert "pip" in env["dependencies"]


def test_dependencies_have_the_versions_the_lesson_needs():
    deps = normalised(pyproject()["project"]["dependencies"])
    assert "tensorflow-cpu" not in deps, "tensorflow-cpu has no macOS wheels"
    assert deps["tensorflow"] == ">=2.16"
    assert deps["keras"].startswith(">=3")
    assert deps["ipywidgets"] == ">=7.7", "Colab ships ipywidgets 7"
    for name in ["numpy", "pandas", "matplotlib", "seaborn", "scikit-learn",
                 "scikit-image", "jupyterlab"]:
        assert name in deps


def test_test_extra_brings_pytest_and_nbval():
    extra = normalised(pyproject()["project"]["optional-dependencies"]["test"])
    assert {"pytest", "nbval"} <= set(extra)


def readme_command(heading):
    """The first fenced bash command after a bold heading in the README."""
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"\*\*{re.escape(heading)}\*\*\s*```bash\n(.+?)\n```", text, re.S)
    assert match, f"README.md has no bash block under **{heading}**"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    command = readme_command("Run the tests")
    assert "pytest" in command
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()


def test_readme_setup_command_installs_and_opens_the_lesson():
    command = readme_command("Set up and open the lesson")
    assert "pip install -e ." in command and "jupyter lab episodes" in command
