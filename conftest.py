"""Loaded by pytest before it collects anything."""

import pytest


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, which runs the tests on both cores
def pytest_xdist_make_scheduler(config, log):
    """Hand out whole test files to the workers.

    tests/test_episodes.py runs the episodes in teaching order in one folder,
    where later episodes load the models that earlier ones save, so its tests
    must stay together, in order, on one worker; the other files' fixtures are
    shared within a file too. The episodes come first (see below), so they
    start at once while the other worker takes the rest.
    """
    from xdist.scheduler import LoadFileScheduling

    return LoadFileScheduling(config, log)


def pytest_collection_modifyitems(items):
    """Collect the episode notebooks first: the longest file then starts at once, on a worker of its own."""
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] != "tests/test_episodes.py")
