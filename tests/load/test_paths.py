"""Opening files: regular files only (a FIFO would block, a device never ends), bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policyengine.errors import PolicyError
from policyengine.load.paths import (
    FileTooLarge,
    NotRegularFile,
    check_regular,
    open_regular,
    read_regular,
)
from policyengine.load.yaml_loader import load_yaml_file


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("name", "kind"),
    [("fifo", "a FIFO (named pipe)"), ("directory", "a directory"), ("device", "a device")],
)
def test_only_regular_files_are_opened(
    tmp_path: Path, fifo: Path, name: str, kind: str, unblock
) -> None:
    unblock(fifo)
    path = {"fifo": fifo, "directory": tmp_path, "device": Path(os.devnull)}[name]
    for attempt in (open_regular, check_regular, lambda p: read_regular(p, 10)):
        with pytest.raises(NotRegularFile) as err:
            attempt(path)
        assert err.value.strerror == f"not a regular file: {kind}"
        assert err.value.filename == str(path)


def test_a_symbolic_link_to_a_fifo_is_refused(tmp_path: Path, fifo: Path, unblock) -> None:
    unblock(fifo)
    link = tmp_path / "link.yaml"
    link.symlink_to(fifo)
    with pytest.raises(NotRegularFile):
        read_regular(link, 10)


def test_reading_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_bytes(b"x" * 11)
    assert read_regular(path, 11) == b"x" * 11
    with pytest.raises(FileTooLarge) as err:
        read_regular(path, 10)
    assert (err.value.size, err.value.limit) == (11, 10)
    with pytest.raises(FileTooLarge):
        check_regular(path, 10)
    check_regular(path, 11)


def test_the_yaml_loader_names_the_fifo(fifo: Path, unblock) -> None:
    unblock(fifo)
    with pytest.raises(PolicyError) as err:
        load_yaml_file(fifo)
    (d,) = err.value.diagnostics
    assert d.message == f"cannot read {fifo}: not a regular file: a FIFO (named pipe)"
    assert d.hint == "policyengine reads regular files only (not FIFOs, devices or directories)"
