"""The set-up check, ``python -m helpers.check``: its logic in-process, one real run.

No test here reaches the internet: the download probe is replaced by a fake
that fails or succeeds as each test needs, or pointed at a local HTTP server.
"""

import ast
import dataclasses
import hashlib
import http.server
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import urllib.error
from pathlib import Path

import pytest

from helpers import check, data
from helpers.check import INFO, OK, PROBLEM, WARNING, Item

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = {"machine": "test machine", "intro_epoch_seconds": 10.0,
             "lesson_training_seconds": 1200, "lesson_wall_seconds": 1500}


def run_check(*args, env):
    return subprocess.run([sys.executable, "-m", "helpers.check", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=Path.home())


# --- versions ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2.16.1", (2, 16, 1)), ("2.16.0rc0", (2, 16, 0)), ("3.0", (3, 0)), ("v3.11.7", (3, 11, 7)),
    ("2.21.0-dev20250101", (2, 21, 0)), ("unknown", None),
])
def test_parse_version(text, expected):
    assert check.parse_version(text) == expected


@pytest.mark.parametrize("version, minimum, expected", [
    ("2.16.0", (2, 16), True), ("2.16", (2, 16), True), ("2.21.0", (2, 16), True),
    ("2.15.1", (2, 16), False), ("2.9.0", (2, 16), False), ("3", (3, 0), True),
    ("10.0", (3, 0), True), ("3.9.18", (3, 10), False), ("garbage", (3, 0), False),
])
def test_meets_minimum_compares_numbers_not_text(version, minimum, expected):
    assert check.meets_minimum(version, minimum) is expected


def test_version_ok():
    item = check.check_version("TensorFlow", "2.21.0", (2, 16), "the fix")
    assert item == Item(OK, "TensorFlow 2.21.0 (needs 2.16 or newer)")


def test_version_too_old_is_a_problem_with_the_fix():
    item = check.check_version("TensorFlow", "2.15.1", (2, 16), check.INSTALL_FIX)
    assert item.status == PROBLEM
    assert "too old" in item.text and "2.16 or newer" in item.text
    assert "pip install -e ." in item.fix and 'pip install "tensorflow>=2.16"' in item.fix


def test_version_missing_is_a_problem_with_the_fix():
    item = check.check_version("Keras", None, (3, 0), "run `pip install -e .`")
    assert item.status == PROBLEM and "not installed" in item.text
    assert item.fix == "Keras is not installed: run `pip install -e .`"


def test_version_import_failure_is_reported_in_one_line():
    error = ImportError("DLL load failed while importing _pywrap_tensorflow_internal\nmore")
    item = check.check_version("TensorFlow", error, (2, 16), "reinstall")
    assert item.status == PROBLEM
    assert "ImportError: DLL load failed" in item.text and "more" not in item.text


def test_optional_package_missing_is_a_warning_not_a_problem():
    item = check.check_version("ipywidgets", None, (7, 7), "pip install ipywidgets", needed=False)
    assert item.status == WARNING and item.fix


def test_check_software_with_monkeypatched_versions():
    items = check.check_software({"python": "3.9.18", "tensorflow": "2.15.0",
                                  "keras": None, "ipywidgets": "7.7.1"})
    assert [item.status for item in items] == [PROBLEM, PROBLEM, PROBLEM, OK]
    assert "Python 3.9.18" in items[0].text and "environment.yml" in items[0].fix


def test_python_3_10_is_too_old():
    """The helpers use Python 3.11 features; the lesson supports 3.11 and 3.12."""
    [item] = check.check_software({"python": "3.10.14"})
    assert item.status == PROBLEM
    assert item.text == "Python 3.10.14: too old (needs 3.11 or newer)"
    assert "install Python 3.11 or 3.12 with the lesson in it: `conda env create -f environment.yml`" in item.fix
    assert check.check_software({"python": "3.11.0"})[0].status == OK


def test_installed_versions_of_this_environment():
    versions = check.installed_versions()
    assert all(isinstance(versions[key], str) for key in ["python", "tensorflow", "keras"])
    assert all(item.status == OK for item in check.check_software(versions)[:3])


def test_missing_tensorflow_gives_the_fix_and_exit_1_without_traceback(monkeypatch, capsys):
    monkeypatch.setattr(check, "installed_versions", lambda: {
        "python": "3.11.7", "tensorflow": None, "keras": None, "ipywidgets": None})
    monkeypatch.setattr(check, "check_datasets", lambda: [Item(OK, "CIFAR-10: here")])
    monkeypatch.setattr(check, "time_intro_epoch", pytest.fail)  # must not train
    assert check.main([]) == 1
    out, err = capsys.readouterr()
    assert "TensorFlow is not installed: run `pip install -e .` in the lesson folder" in out
    assert "GPU: not checked" in out and "not measured (fix TensorFlow and Keras first)" in out
    assert "ipywidgets is not installed" in out.split("Worth knowing:")[1]
    assert "Traceback" not in out + err


# --- datasets ----------------------------------------------------------------------------

@pytest.fixture
def probe_calls(monkeypatch):
    """Replace the network probe; the list records the URLs asked for."""
    calls = []

    def fake_probe(url, timeout=check.PROBE_TIMEOUT_SECONDS):
        calls.append(url)
        return 170_498_071

    monkeypatch.setattr(check, "probe_download", fake_probe)
    return calls


def failing_probe(error):
    def probe(url, timeout=check.PROBE_TIMEOUT_SECONDS):
        raise error
    return probe


def write_image_folders(root, classes=data.CLASS_NAMES):
    """A tiny CIFAR-10 in class folders: two training and one test image per class."""
    from PIL import Image

    for split, count in (("train", 2), ("test", 1)):
        for name in classes:
            (root / split / name).mkdir(parents=True, exist_ok=True)
            for i in range(count):
                Image.new("RGB", (32, 32), (i, 100, 200)).save(root / split / name / f"{i}.jpg")
    return root


@pytest.fixture
def small_offline_copy(isolated_data, monkeypatch):
    """LESSON_DATA_DIR with tiny CIFAR-10 class folders; quick mode off."""
    data_dir, _ = isolated_data
    write_image_folders(data_dir)
    monkeypatch.setenv("LESSON_QUICK", "0")
    return data_dir


def test_offline_copy_is_loaded_without_probing(small_offline_copy, isolated_data, shared_data_dir, probe_calls):
    _, cache = isolated_data
    shutil.copy(shared_data_dir / "pima-indians-diabetes.data.csv", small_offline_copy)
    items = check.check_datasets()
    assert items == [
        Item(OK, f"CIFAR-10: offline copy in LESSON_DATA_DIR: {small_offline_copy} (loads: 20 training "
                 f"and 10 test images; cached in {cache}, so the notebooks load it fast)"),
        Item(OK, f"Pima diabetes CSV: offline copy in LESSON_DATA_DIR: "
                 f"{small_offline_copy / 'pima-indians-diabetes.data.csv'} (loads: 768 rows)"),
    ]
    assert list(cache.glob("cifar10-decoded-*/train_images.npy"))  # decoded now, not in the workshop
    assert probe_calls == []


def test_quick_mode_is_named_in_the_line(small_offline_copy, monkeypatch, probe_calls):
    monkeypatch.setenv("LESSON_QUICK", "1")
    assert "(loads in quick mode: 20 training and 10 test images; " in check.dataset_status("cifar10").text


def test_corrupt_image_in_the_offline_copy_is_a_problem(small_offline_copy, probe_calls):
    (small_offline_copy / "train" / "dog" / "broken.jpg").write_bytes(b"not a jpeg")
    item = check.dataset_status("cifar10")
    assert item.status == PROBLEM
    assert item.text == f"CIFAR-10: offline copy in LESSON_DATA_DIR: {small_offline_copy}, but it does not load"
    assert item.fix.startswith(f"CIFAR-10: {small_offline_copy / 'train'}/dog/broken.jpg is not a readable image")
    assert "\n" not in item.fix


def test_offline_copy_missing_a_class_is_a_problem(small_offline_copy, probe_calls):
    shutil.rmtree(small_offline_copy / "test" / "truck")
    item = check.dataset_status("cifar10")
    assert item.status == PROBLEM
    assert item.fix == (f"CIFAR-10: {small_offline_copy / 'test'} has no images of the class truck; "
                        f"CIFAR-10 needs a folder of images for each of its ten classes. Copy the "
                        f"offline copy again.")


def test_unwritable_cache_with_a_copy_here_is_a_warning(small_offline_copy, monkeypatch, tmp_path, probe_calls):
    (tmp_path / "a-file").write_text("not a folder")
    cache = tmp_path / "a-file" / "cache"
    monkeypatch.setenv("LESSON_CACHE_DIR", str(cache))
    assert check.dataset_status("cifar10") == Item(
        WARNING,
        f"CIFAR-10: offline copy in LESSON_DATA_DIR: {small_offline_copy} (loads: 20 training and 10 "
        f"test images, but it cannot be cached)",
        f"CIFAR-10 loads, but its decoded images cannot be kept, so every load decodes them again "
        f"(some seconds). The cache folder {cache} cannot be created ({tmp_path / 'a-file'} is a file): set "
        f"LESSON_CACHE_DIR to a folder you can write to.",
    )


def test_unwritable_cache_without_a_copy_is_a_problem(monkeypatch, tmp_path, probe_calls):
    monkeypatch.delenv("LESSON_DATA_DIR", raising=False)
    (tmp_path / "a-file").write_text("not a folder")
    cache = tmp_path / "a-file" / "cache"
    monkeypatch.setenv("LESSON_CACHE_DIR", str(cache))
    item = check.dataset_status("pima")
    assert item == Item(
        PROBLEM, "Pima diabetes CSV: no copy here, and a download would have nowhere to go",
        f"Pima diabetes CSV is not here and must be downloaded, but there is nowhere to put it. "
        f"The cache folder {cache} cannot be created ({tmp_path / 'a-file'} is a file): set LESSON_CACHE_DIR "
        f"to a folder you can write to.",
    )
    assert probe_calls == []


def test_lesson_data_dir_that_does_not_exist_is_one_problem(isolated_data, monkeypatch, tmp_path, probe_calls):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv("LESSON_DATA_DIR", str(missing))
    assert check.check_datasets() == [Item(
        PROBLEM, f"Datasets: not checked: LESSON_DATA_DIR is {missing}, which does not exist",
        f"LESSON_DATA_DIR is {missing}, which does not exist: correct the path, or unset "
        f"LESSON_DATA_DIR to download the data instead.",
    )]
    assert probe_calls == []


def test_lesson_data_dir_naming_the_archive_says_which_folder(isolated_data, shared_data_dir, monkeypatch, probe_calls):
    archive = shared_data_dir / "cifar10-jpeg.tar.gz"
    monkeypatch.setenv("LESSON_DATA_DIR", str(archive))
    [item] = check.check_datasets()
    assert item.status == PROBLEM
    assert item.fix == (f"LESSON_DATA_DIR names the file {archive}, not a folder: set it to the folder "
                        f"that holds that file, {shared_data_dir}.")


def test_unclear_lesson_quick_is_one_problem(isolated_data, monkeypatch, probe_calls):
    monkeypatch.setenv("LESSON_QUICK", "y")
    [item] = check.check_datasets()
    assert item.status == PROBLEM
    assert item.text == "Datasets: not checked: LESSON_QUICK is 'y', which is neither on nor off"
    assert item.fix.endswith("set it to 1 (small subsets for a quick run) or 0 (the full data), or unset it.")


def test_earlier_download_in_cache_is_found_and_loaded(isolated_data, shared_data_dir, monkeypatch, probe_calls):
    _, cache = isolated_data
    monkeypatch.setenv("LESSON_QUICK", "0")
    shutil.copy(shared_data_dir / "pima-indians-diabetes.data.csv", cache)
    item = check.dataset_status("pima")
    assert item == Item(OK, f"Pima diabetes CSV: downloaded earlier: "
                            f"{cache / 'pima-indians-diabetes.data.csv'} (loads: 768 rows)")
    assert probe_calls == []


@pytest.fixture
def fake_cifar10_registry(monkeypatch):
    """Make the registry expect a small fake archive instead of the 163 MB one."""
    content = b"a stand-in for cifar-10-python.tar.gz"
    fake = dataclasses.replace(data.DATASETS["cifar10"], sha256=hashlib.sha256(content).hexdigest())
    monkeypatch.setitem(data.DATASETS, "cifar10", fake)
    return content


def test_earlier_download_that_does_not_load_is_a_problem(isolated_data, fake_cifar10_registry, probe_calls):
    """Its hash matches, so it is found, but loading it shows it is no CIFAR-10 archive."""
    _, cache = isolated_data
    (cache / "cifar-10-python.tar.gz").write_bytes(fake_cifar10_registry)
    item = check.dataset_status("cifar10")
    assert item.status == PROBLEM
    assert item.text == f"CIFAR-10: downloaded earlier: {cache / 'cifar-10-python.tar.gz'}, but it does not load"
    assert "could not be read as a CIFAR-10 archive" in item.fix
    assert probe_calls == []


def test_damaged_download_is_a_problem(isolated_data, fake_cifar10_registry, probe_calls):
    _, cache = isolated_data
    (cache / "cifar-10-python.tar.gz").write_bytes(b"half a download")
    item = check.dataset_status("cifar10")
    assert item.status == PROBLEM
    assert "is damaged or is not the expected file" in item.fix and "Delete it" in item.fix


def test_wrong_file_in_lesson_data_dir_is_a_problem(isolated_data, probe_calls):
    data_dir, _ = isolated_data
    (data_dir / "pima-indians-diabetes.data.csv").write_text("1,2,3\n")
    item = check.dataset_status("pima")
    assert item.status == PROBLEM and "pima-indians-diabetes.data.csv" in item.fix


def test_missing_but_downloadable_is_ok(isolated_data, probe_calls):
    item = check.dataset_status("cifar10")
    assert item.status == OK
    assert item.text == ("CIFAR-10: not downloaded yet; the download works (163 MB, "
                         "fetched the first time a notebook loads it)")
    assert probe_calls == [data.DATASETS["cifar10"].url]


NO_NETWORK = urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))


def test_missing_without_network_says_to_get_the_offline_copy(monkeypatch, tmp_path):
    monkeypatch.delenv("LESSON_DATA_DIR", raising=False)
    monkeypatch.setenv("LESSON_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(check, "probe_download", failing_probe(NO_NETWORK))
    items = check.check_datasets()
    assert [item.status for item in items] == [PROBLEM, PROBLEM]
    assert "no network" in items[0].text
    assert items[0].fix.startswith("CIFAR-10 is not here and cannot be downloaded (no network")
    assert items[0].fix.endswith(data.offline_advice("cifar10"))
    assert items[0].fix.endswith(", and set LESSON_DATA_DIR to the folder that holds it (see data/README.md)")
    assert "ask your instructor for the offline copy of the data" in items[1].fix


def test_lesson_data_dir_set_but_empty_says_what_it_lacks(isolated_data, monkeypatch):
    """Never advise setting LESSON_DATA_DIR when it is set: say what its folder lacks."""
    data_dir, _ = isolated_data
    monkeypatch.setattr(check, "probe_download", failing_probe(NO_NETWORK))
    cifar10, pima = check.check_datasets()
    assert cifar10.fix.endswith(
        f"or copy cifar-10-python.tar.gz or cifar10-jpeg.tar.gz or train/<class>/*.jpg with "
        f"test/<class>/*.jpg from the offline copy into {data_dir}: LESSON_DATA_DIR names that "
        f"folder, but it holds none of them (see data/README.md)")
    assert f"copy pima-indians-diabetes.data.csv from the offline copy into {data_dir}" in pima.fix
    for item in (cifar10, pima):
        assert "set LESSON_DATA_DIR" not in item.fix


def test_ssl_failure_gives_certificate_advice(isolated_data, monkeypatch):
    reason = ssl.SSLCertVerificationError(
        1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer")
    monkeypatch.setattr(check, "probe_download", failing_probe(urllib.error.URLError(reason)))
    item = check.dataset_status("pima")
    assert item.status == PROBLEM
    assert "SSL certificate verification failed" in item.text
    assert "Install Certificates.command" in item.fix and "pip install --upgrade certifi" in item.fix
    assert (f"certificate), or copy pima-indians-diabetes.data.csv from the offline copy into "
            f"{isolated_data[0]}") in item.fix


@pytest.mark.parametrize("error, what", [
    (urllib.error.URLError(TimeoutError("timed out")), "no answer within 10 s"),
    (TimeoutError("The read operation timed out"), "no answer within 10 s"),
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")),
     "no connection (Connection refused)"),
    (urllib.error.HTTPError("https://x", 404, "Not Found", {}, None),
     "the server answered HTTP 404 Not Found"),
    (urllib.error.URLError(ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")),
     "SSL error"),
])
def test_the_check_explains_a_failed_probe_as_the_loader_explains_a_failed_download(error, what):
    explained, fix = data.explain_download_failure(error, check.PROBE_TIMEOUT_SECONDS)
    assert explained.startswith(what)
    assert fix and "verify=False" not in fix


class _FileHandler(http.server.BaseHTTPRequestHandler):
    """Serves 1,234 bytes; with refuse_head, answers HEAD with 405 as some servers do."""

    refuse_head = False

    def do_HEAD(self):
        if self.refuse_head:
            self.send_error(405)
            return
        self.send_response(200)
        self.send_header("Content-Length", "1234")
        self.end_headers()

    def do_GET(self):
        assert self.headers["Range"] == "bytes=0-0"
        self.send_response(206)
        self.send_header("Content-Range", "bytes 0-0/1234")
        self.send_header("Content-Length", "1")
        self.end_headers()
        self.wfile.write(b"x")

    def log_message(self, *args):  # keep the test log clean
        pass


@pytest.fixture(params=[False, True], ids=["head", "head-refused"])
def local_server(request, monkeypatch):
    for name in ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]:
        monkeypatch.delenv(name, raising=False)
    handler = type("Handler", (_FileHandler,), {"refuse_head": request.param})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/file.tar.gz"
    server.shutdown()
    server.server_close()
    thread.join()


def test_probe_download_reads_the_size_without_the_file(local_server):
    assert check.probe_download(local_server, timeout=5) == 1234


def test_probe_download_raises_for_a_closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(urllib.error.URLError) as caught:
        check.probe_download(f"http://127.0.0.1:{port}/file", timeout=5)
    assert data.explain_download_failure(caught.value)[0].startswith("no connection")


# --- device ------------------------------------------------------------------------------

def test_device_info_of_this_computer():
    info = check.device_info(with_gpus=False)
    assert info["cpu"] and info["cores"] >= 1 and info["gpus"] is None
    if sys.platform == "linux":
        assert info["memory_bytes"] > 0


def test_device_items_warn_about_little_memory():
    items = check.device_items({"cpu": "Some CPU", "cores": 1, "memory_bytes": 3 * 1024**3,
                                "gpus": []})
    assert items[0] == Item(INFO, "CPU: Some CPU, 1 core")
    assert items[1].status == WARNING and "3.0 GB" in items[1].text and items[1].fix
    assert "training runs on the CPU" in items[2].text


def test_device_items_list_gpus():
    items = check.device_items({"cpu": "x", "cores": 8, "memory_bytes": None,
                                "gpus": ["NVIDIA H100 80GB HBM3"]})
    assert items[1].text == "Memory: unknown"
    assert items[2].text == "GPU: NVIDIA H100 80GB HBM3 (TensorFlow will train on it)"


# --- timing ------------------------------------------------------------------------------

def test_reference_figures_are_complete_and_consistent():
    assert set(check.REFERENCE) == {"machine", "intro_epoch_seconds",
                                    "lesson_training_seconds", "lesson_wall_seconds"}
    assert 0 < check.REFERENCE["intro_epoch_seconds"]
    assert 0 < check.REFERENCE["lesson_training_seconds"] <= check.REFERENCE["lesson_wall_seconds"]


def test_estimate_scales_training_by_the_epoch_ratio():
    estimate = check.estimate_lesson_time(25.0, REFERENCE)
    assert estimate["factor"] == pytest.approx(2.5)
    assert estimate["training_seconds"] == pytest.approx(3000)
    assert estimate["wall_seconds"] == pytest.approx(3000 + 300)  # the rest is not scaled
    assert estimate["slow"] is False
    assert check.estimate_lesson_time(40.0, REFERENCE)["slow"] is True
    assert check.estimate_lesson_time(1.0, REFERENCE)["training_seconds"] == pytest.approx(120)


def test_timing_line_with_the_lesson_reference():
    reference = {**check.REFERENCE, "intro_epoch_seconds": 12.0,
                 "lesson_training_seconds": 1620, "lesson_wall_seconds": 1920}
    line, whole = check.timing_items(14.2, reference)
    assert line == Item(OK, "One epoch of the intro model: 14.2 s (reference machine: 12.0 s) -> "
                            "the lesson's training will take about 32 min here "
                            "(27 min on the reference)")
    assert whole.text == ("Running every notebook of the lesson: about 37 min here "
                          "(32 min on the reference)")


def test_slow_epoch_gets_advice():
    line, _ = check.timing_items(70.0, REFERENCE)
    assert line.status == WARNING
    assert "7 times slower" in line.fix
    assert "LESSON_QUICK=1" in line.fix and "Google Colab" in line.fix and "skip" in line.fix


def test_main_reports_a_slow_machine_but_exits_0(monkeypatch, capsys):
    monkeypatch.setattr(check, "check_datasets", lambda: [Item(OK, "CIFAR-10: here")])
    monkeypatch.setattr(check, "time_intro_epoch", lambda images: 100.0)
    assert check.main(["--timing-images", "64"]) == 0
    out = capsys.readouterr().out
    assert "training the intro model on 64 random images" in out
    assert "One epoch of the intro model: 100.0 s" in out
    assert "Worth knowing:" in out and "Google Colab" in out
    assert out.rstrip().endswith("All set: this computer has everything the lesson needs.")


def test_compiled_as_in_episode_01():
    """The timed model is compiled as episode 01 compiles model_intro, with batch size 32."""
    import keras
    import nbformat

    notebook = nbformat.read(ROOT / "episodes" / "01-introduction.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    compile_call = code[code.index("model_intro.compile("):]
    compile_call = compile_call[:compile_call.index("\n)")]
    for part in ["keras.optimizers.Adam()", "keras.losses.CategoricalCrossentropy()",
                 'keras.metrics.CategoricalAccuracy(name="accuracy")']:
        assert part in compile_call
    assert "batch_size=32" in code[code.index("model_intro.fit("):]
    model = check.compile_intro_model()
    assert type(model.optimizer) is keras.optimizers.Adam
    assert type(model.loss) is keras.losses.CategoricalCrossentropy
    assert check.BATCH_SIZE == 32 and check.LESSON_EPOCH_IMAGES / check.BATCH_SIZE == 1250


# --- the report --------------------------------------------------------------------------

def test_summary_lists_each_problem_with_its_fix():
    items = [Item(OK, "fine"), Item(PROBLEM, "x", "X is missing: install X"),
             Item(WARNING, "y", "Y is slow: wait")]
    lines = check.summary_lines(items, check.MARKERS)
    assert lines == ["1 problem to fix before the workshop:", "  ✗ X is missing: install X",
                     "Worth knowing:", "  ! Y is slow: wait"]


def test_plain_markers_where_the_terminal_cannot_show_check_marks():
    class Latin1:
        encoding = "latin-1"

    assert check.markers_for(Latin1()) is check.ASCII_MARKERS
    assert check.format_item(Item(PROBLEM, "x"), check.ASCII_MARKERS) == "  MISSING x"


# --- real runs ---------------------------------------------------------------------------

def test_help_is_clean_and_bad_values_exit_2_in_one_line():
    env = os.environ.copy()
    result = run_check("--help", env=env)
    assert result.returncode == 0 and result.stderr == ""
    assert "--timing-images N" in result.stdout and "--skip-timing" in result.stdout
    result = run_check("--timing-images", "8", env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("python -m helpers.check: error: argument --timing-images: "
                             "must be 32 (one batch) or more, got 8\n")


@pytest.mark.slow
def test_real_run_with_the_offline_copy(tmp_path, shared_data_dir):
    """The whole check on the real offline copy: it loads, decodes and caches CIFAR-10 once."""
    cache = tmp_path / "cache"
    env = {**os.environ, "LESSON_DATA_DIR": str(shared_data_dir), "LESSON_QUICK": "1",
           "LESSON_CACHE_DIR": str(cache), "PYTHONIOENCODING": "utf-8"}
    result = run_check("--timing-images", "256", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""  # no TensorFlow, CUDA or oneDNN notices
    out = result.stdout
    assert "✓ TensorFlow 2." in out and "✓ Keras 3." in out and "✓ Python 3." in out
    assert (f"✓ CIFAR-10: offline copy in LESSON_DATA_DIR: {shared_data_dir / 'cifar10-jpeg.tar.gz'} "
            f"(loads in quick mode: 2,000 training and 500 test images; cached in {cache}, so the "
            f"notebooks load it fast)\n") in out
    assert (f"✓ Pima diabetes CSV: offline copy in LESSON_DATA_DIR: "
            f"{shared_data_dir / 'pima-indians-diabetes.data.csv'} (loads in quick mode: 256 rows)\n") in out
    assert "Decoding" not in out  # the loader's own message stays out of the report
    assert len(list(cache.glob("cifar10-decoded-*/train_images.npy"))) == 1
    assert "• CPU: " in out
    assert "One epoch of the intro model: " in out and "on the reference)" in out
    assert "All set" in out


@pytest.mark.parametrize("module", ["check", "cli", "durations", "error_lines", "timings"])
def test_what_is_imported_before_the_version_check_parses_as_python_3_8(module):
    ast.parse((ROOT / "helpers" / f"{module}.py").read_text(encoding="utf-8"), feature_version=(3, 8))


def test_importing_the_check_imports_nothing_outside_the_standard_library():
    code = ("import sys, helpers.check; print(sorted(name for name in sys.modules if name.split('.')[0] in "
            "{'numpy', 'pandas', 'matplotlib', 'tensorflow', 'keras'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_too_old_python_stops_before_importing_the_rest(monkeypatch, capsys):
    monkeypatch.setattr(check, "MINIMUM_PYTHON", (4, 0))
    software = [(key, label, (4, 0) if key == "python" else minimum, fix, needed)
                for key, label, minimum, fix, needed in check.SOFTWARE]
    monkeypatch.setattr(check, "SOFTWARE", software)
    monkeypatch.setattr(check, "installed_versions", pytest.fail)
    assert check.main(["--skip-timing"]) == 1
    out = capsys.readouterr().out
    assert "too old, the lesson needs 4.0 or newer: install Python" in out
    assert "Data" not in out


def test_datasets_without_the_lesson_packages_say_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "helpers.data", None)  # as if numpy were missing
    [item] = check.check_datasets()
    assert item.status == PROBLEM and "pip install -e ." in item.fix
