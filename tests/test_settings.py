"""Tests for helpers.settings: every LESSON_* environment variable, parsed in one place."""

from pathlib import Path

import pytest

from helpers import settings
from helpers.settings import SettingError

SWITCHES = [("LESSON_QUICK", settings.quick_mode), ("LESSON_STATIC_WIDGETS", settings.static_widgets)]


@pytest.mark.parametrize("name, read", SWITCHES)
@pytest.mark.parametrize("value", ["1", "true", "True", "YES", " yes ", "on", "ON\n"])
def test_switch_on(monkeypatch, name, read, value):
    monkeypatch.setenv(name, value)
    assert read() is True


@pytest.mark.parametrize("name, read", SWITCHES)
@pytest.mark.parametrize("value", ["", "   ", "0", "false", "FALSE", "no", "off", " Off "])
def test_switch_off(monkeypatch, name, read, value):
    monkeypatch.setenv(name, value)
    assert read() is False


@pytest.mark.parametrize("name, read", SWITCHES)
def test_switch_off_when_unset(monkeypatch, name, read):
    monkeypatch.delenv(name, raising=False)
    assert read() is False


@pytest.mark.parametrize("name, read", SWITCHES)
@pytest.mark.parametrize("value", ["2", "y", "quick", "enabled", "-1"])
def test_switch_with_another_value_is_an_error(monkeypatch, name, read, value):
    """A typo must not silently mean "off"."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as caught:
        read()
    message = str(caught.value)
    assert message.startswith(f"{name} is {value!r}, which is neither on nor off: set it to 1 (")
    assert message.endswith("or unset it.")
    assert "\n" not in message


def test_quick_mode_error_says_what_each_value_means(monkeypatch):
    monkeypatch.setenv("LESSON_QUICK", "2")
    with pytest.raises(SettingError) as caught:
        settings.quick_mode()
    assert str(caught.value) == (
        "LESSON_QUICK is '2', which is neither on nor off: set it to 1 (small subsets for a "
        "quick run) or 0 (the full data), or unset it."
    )


def test_setting_error_is_a_value_error():
    assert issubclass(SettingError, ValueError)


def test_switches_are_read_on_each_call(monkeypatch):
    monkeypatch.setenv("LESSON_QUICK", "1")
    assert settings.quick_mode() is True
    monkeypatch.setenv("LESSON_QUICK", "0")
    assert settings.quick_mode() is False


@pytest.mark.parametrize("value", [None, "", "   "])
def test_data_dir_is_none_when_not_set(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("LESSON_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("LESSON_DATA_DIR", value)
    assert settings.data_dir() is None


def test_data_dir_is_absolute_and_expands_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LESSON_DATA_DIR", "~/workshop-data")
    assert settings.data_dir() == (tmp_path / "workshop-data").resolve()

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LESSON_DATA_DIR", " relative/folder ")
    folder = settings.data_dir()
    assert folder.is_absolute()
    assert folder == (tmp_path / "relative" / "folder").resolve()


def test_cache_dir_follows_lesson_cache_dir_without_creating_it(monkeypatch, tmp_path):
    wanted = tmp_path / "not" / "there" / "yet"
    monkeypatch.setenv("LESSON_CACHE_DIR", str(wanted))
    assert settings.cache_dir() == wanted
    assert not (tmp_path / "not").exists()


def test_cache_dir_expands_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LESSON_CACHE_DIR", "~/cache")
    assert settings.cache_dir() == (tmp_path / "cache").resolve()


@pytest.mark.parametrize("value", [None, "  "])
def test_cache_dir_default_is_checkout_data_or_keras_home(monkeypatch, tmp_path, value):
    """Without LESSON_CACHE_DIR: the checkout's data/ (when it has its README), else ~/.keras/datasets."""
    if value is None:
        monkeypatch.delenv("LESSON_CACHE_DIR", raising=False)
    else:
        monkeypatch.setenv("LESSON_CACHE_DIR", value)
    monkeypatch.setenv("HOME", str(tmp_path))
    checkout_data = Path(settings.__file__).resolve().parent.parent / "data"
    if (checkout_data / "README.md").is_file():
        expected = checkout_data
    else:
        expected = tmp_path / ".keras" / "datasets"
    assert settings.cache_dir() == expected
    assert not (tmp_path / ".keras").exists()


def test_the_module_documents_every_variable_and_its_values():
    doc = settings.__doc__
    for name in ["LESSON_QUICK", "LESSON_STATIC_WIDGETS", "LESSON_DATA_DIR", "LESSON_CACHE_DIR"]:
        assert f"``{name}``" in doc
    for value in [*settings.ON, *settings.OFF[1:]]:
        assert f"``{value}``" in doc


def test_the_widgets_use_the_same_parser(monkeypatch):
    """helpers.widgets reads LESSON_STATIC_WIDGETS through helpers.settings: same values, same error."""
    from helpers import widgets

    monkeypatch.setenv("LESSON_STATIC_WIDGETS", "on")
    assert widgets.widgets_available() is False
    monkeypatch.setenv("LESSON_STATIC_WIDGETS", "2")
    with pytest.raises(SettingError, match="LESSON_STATIC_WIDGETS is '2'"):
        widgets.widgets_available()
