"""helpers.files: files written whole, several files written together, and folders that can take files."""

import errno
import os

import pytest

from helpers.files import unwritable_reason, write_together, write_whole


def failing_after_part_of(text):
    """A writer that writes part of its file, then fails as a full disk does."""
    def write(path):
        path.write_text(text[:3])
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def test_write_whole_replaces_a_file_and_leaves_nothing_else(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("old")
    write_whole(path, lambda temporary: temporary.write_text("new"))
    assert path.read_text() == "new"
    assert list(tmp_path.iterdir()) == [path]


def test_a_failed_write_whole_keeps_the_old_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("old")
    with pytest.raises(OSError, match="No space left"):
        write_whole(path, failing_after_part_of("new text"))
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]


def test_write_whole_writes_a_folder_but_never_over_a_full_one(tmp_path):
    def write_folder(folder):
        folder.mkdir()
        (folder / "a.npy").write_text("a")

    write_whole(tmp_path / "arrays", write_folder)
    assert [path.name for path in (tmp_path / "arrays").iterdir()] == ["a.npy"]
    with pytest.raises(OSError):
        write_whole(tmp_path / "arrays", write_folder)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["arrays"]


def test_write_together_writes_every_file_and_leaves_the_others_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "a.txt").write_text("old a")
    write_together(tmp_path, {"a.txt": lambda path: path.write_text("a"), "b.txt": lambda path: path.write_text("b")})
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == {"notes.txt": "mine", "a.txt": "a",
                                                                         "b.txt": "b"}


def test_write_together_writes_none_when_one_fails(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    with pytest.raises(OSError):
        write_together(tmp_path, {"a.txt": lambda path: path.write_text("a"), "b.txt": failing_after_part_of("b")})
    assert {path.name: path.read_text() for path in tmp_path.iterdir()} == {"a.txt": "old a"}


def test_write_together_removes_the_folder_it_created_when_it_fails(tmp_path):
    with pytest.raises(OSError):
        write_together(tmp_path / "new" / "results", {"a.txt": failing_after_part_of("a")})
    assert list((tmp_path / "new").iterdir()) == []


def test_a_folder_that_is_there_or_can_be_made_takes_files_and_nothing_is_created(tmp_path):
    assert unwritable_reason(tmp_path) is None
    assert unwritable_reason(tmp_path / "new" / "folder") is None
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_is_named(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    assert unwritable_reason(tmp_path / "a-file") == "is a file, not a folder"
    assert unwritable_reason(tmp_path / "a-file" / "x" / "y") == f"cannot be created ({tmp_path / 'a-file'} is a file)"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_says_why(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert unwritable_reason(folder) == "cannot be written to (Permission denied)"
        assert unwritable_reason(folder / "new") == "cannot be created (Permission denied)"
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
