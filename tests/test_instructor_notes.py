"""The instructor notes quote the setup check's real words."""

import re
from pathlib import Path

import numpy as np

from helpers import check, data, settings

NOTES = Path(__file__).resolve().parent.parent / "docs" / "instructor-notes.md"


def test_the_notes_quote_the_line_the_check_prints_for_an_offline_copy(monkeypatch):
    quoted = re.search(r"^  ✓ CIFAR-10: offline copy in LESSON_DATA_DIR: .*$", NOTES.read_text(encoding="utf-8"), re.M)
    assert quoted, "the instructor notes should show the check's line for an offline copy of CIFAR-10"
    usb, checkout_data = Path("/media/usb/lesson-data"), Path("/home/you/cnn-lesson/data")
    # The check of a learner with the full offline copy, without loading 60,000 images here.
    monkeypatch.setenv("LESSON_QUICK", "0")
    monkeypatch.setattr(data, "find_copy", lambda name: (data.OFFLINE_COPY, usb))
    monkeypatch.setattr(data, "cache_problem", lambda: None)
    monkeypatch.setattr(settings, "cache_dir", lambda: checkout_data)
    full = ((np.empty((50_000, 0)), None), (np.empty((10_000, 0)), None))
    monkeypatch.setattr(data, "load_cifar10", lambda: full)
    item = check.dataset_status("cifar10")
    assert item.status == check.OK
    assert quoted[0] == check.format_item(item, check.MARKERS)
