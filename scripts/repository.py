"""The lesson's GitHub repository, and where Colab, Binder and GitHub Pages open what is in it.

The repository is written down once, as ``[project.urls] Repository`` in
``pyproject.toml``. ``scripts/build_notebooks.py`` builds the launch badges
and the Colab install cell of every notebook and the repository block of
``_config.yml`` from it, and the website's extension its launch buttons and
canonical address.
"""

import tomllib
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"  # the branch that the badges and the Colab install point at


def repository_url():
    """The GitHub repository of the lesson, from pyproject.toml's [project.urls]."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    url = urls.get("Repository", "").rstrip("/")
    parts = url.removeprefix("https://github.com/").split("/")
    if not url.startswith("https://github.com/") or len(parts) != 2 or not all(parts):
        raise ValueError(
            f"pyproject.toml's [project.urls] Repository is {url!r}; Colab and Binder need "
            "a GitHub repository written as https://github.com/OWNER/NAME")
    return url


def colab_url(repository, notebook_path):
    """The address that opens the notebook at this path of the repository on Google Colab."""
    owner_and_name = repository.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{owner_and_name}/blob/{BRANCH}/{notebook_path}"


def binder_url(repository, notebook_path):
    """The address that opens the notebook at this path of the repository in JupyterLab on mybinder.org."""
    owner_and_name = repository.removeprefix("https://github.com/")
    return f"https://mybinder.org/v2/gh/{owner_and_name}/{BRANCH}?labpath={quote(notebook_path, safe='')}"


def pages_url(repository):
    """Where GitHub Pages publishes the site of a repository: https://OWNER.github.io/NAME/."""
    owner, name = repository.removeprefix("https://github.com/").split("/")
    return f"https://{owner.lower()}.github.io/{name}/"
