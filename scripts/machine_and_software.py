"""The machine and the libraries a measurement ran on, as the results files describe them.

``scripts/run_notebooks.py`` writes them into ``helpers/timings.json``, and
``scripts/measure_spread.py`` into ``docs/experiment-spread.json``; the pages
rendered from those files name them.
"""

import importlib.metadata
import platform
import re


def brand(cpu):
    """A processor's name without trademarks and clock: 'Intel(R) Xeon(R) Processor' -> 'Intel Xeon'."""
    cpu = re.sub(r"\((R|TM|tm)\)|\bCPU\b|\bProcessor\b|@.*$", " ", cpu)
    return " ".join(cpu.split()) or "unknown processor"


def machine():
    """This machine, as the results files describe it: a short phrase and a full line."""
    from helpers.check import cpu_cores, cpu_model, total_memory_bytes  # the setup check's own readings

    cores, cpu = cpu_cores(), cpu_model()
    memory_bytes = total_memory_bytes()
    memory = f", {memory_bytes / 1024 ** 3:.0f} GiB memory" if memory_bytes else ""
    return {
        "short": f"a {cores}-core {platform.machine()} machine ({brand(cpu)}) with no GPU",
        "description": f"{cores} CPU cores ({cpu}, {platform.machine()}){memory}, "
                       f"{platform.system()}, no GPU used.",
    }


def software():
    """Python's version and those of the libraries that train the lesson's models, in one line."""
    versions = [f"Python {platform.python_version()}"]
    for package in ["tensorflow", "keras", "numpy", "scikit-learn", "scikeras"]:
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ", ".join(versions)
