"""gnet.fileobject: FileObjectThread (the thread pool), FileObjectPosix (non-blocking fds)."""

import io
import os

import pytest

import ghub
from gnet import fileobject
from gnet.fileobject import FileObject, FileObjectBlock, FileObjectPosix, FileObjectThread


def test_default_is_the_thread_one():
    assert FileObject is FileObjectThread
    assert set(fileobject.__all__) == {"FileObject", "FileObjectThread", "FileObjectPosix",
                                       "FileObjectBlock"}


def test_thread_file_on_a_path(tmp_path):
    path = tmp_path / "f.txt"
    with FileObjectThread(path, "w") as f:
        assert f.write("one\ntwo\n") == 8
        f.writelines(["three\n"])
        f.flush()
        assert f.name == str(path)
    assert f.closed
    with FileObjectThread(str(path), "r") as f:
        assert f.readline() == "one\n"
        assert list(f) == ["two\n", "three\n"]
        assert f.seek(0) == 0 and f.read(3) == "one"
        assert f.tell() == 3
    with FileObjectThread(path, "rb") as f:
        assert f.read() == b"one\ntwo\nthree\n"


def test_thread_file_blocks_only_the_caller():
    r, w = os.pipe()
    reader = FileObjectThread(r, "rb", buffering=0)
    job = ghub.spawn(reader.read, 10)
    ticks = []
    for _ in range(3):
        ghub.sleep(0.01)
        ticks.append(job.ready())
    assert ticks == [False] * 3                   # a pool thread blocks, the hub runs
    os.write(w, b"pipe")
    assert job.get(timeout=5) == b"pipe"
    os.close(w)
    assert reader.read(10) == b""
    reader.close()
    with pytest.raises(ValueError):
        reader.read(1)                            # the file's own error, in the caller


def test_thread_file_wraps_a_file_object_and_checks_arguments(tmp_path):
    raw = open(tmp_path / "x", "w+")   # noqa: SIM115
    f = FileObjectThread(raw, lock=False)
    f.write("abc")
    f.seek(0)
    assert f.read() == "abc" and f.io is raw
    f.close()
    assert raw.closed
    with pytest.raises(TypeError, match="fobj must be"):
        FileObjectThread(3.5)
    with pytest.raises(ValueError, match="invalid mode"):
        FileObjectThread(tmp_path / "x", "rw")
    with pytest.raises(TypeError, match="lock must be"):
        FileObjectThread(tmp_path / "x", lock=42)
    with pytest.raises(TypeError, match="bufsize, not both"):
        FileObjectThread(tmp_path / "x", buffering=10, bufsize=10)


def test_posix_file_reads_a_pipe_without_blocking_the_hub():
    r, w = os.pipe()
    reader = FileObjectPosix(r, "rb")
    assert not os.get_blocking(r)
    job = ghub.spawn(reader.readline)
    ghub.sleep(0.02)
    assert not job.ready()
    writer = FileObjectPosix(w, "w")
    writer.write("first line\nsecond")
    writer.flush()
    assert job.get(timeout=5) == b"first line\n"
    writer.close()
    assert reader.read() == b"second"
    reader.close()
    for fd in (r, w):
        with pytest.raises(OSError):
            os.fstat(fd)                           # closefd: both descriptors closed


def test_posix_file_text_mode_and_a_large_write():
    r, w = os.pipe()
    reader = FileObjectPosix(r, "r", encoding="utf-8")
    writer = FileObjectPosix(w, "wb")
    data = "é" * 200_000                           # much more than a pipe holds
    job = ghub.spawn(lambda: (writer.write(data.encode()), writer.close()))
    assert reader.read() == data
    job.get(timeout=10)
    reader.close()


def test_posix_file_closefd_false_restores_blocking_mode():
    r, w = os.pipe()
    try:
        f = FileObjectPosix(r, "rb", closefd=False)
        assert not os.get_blocking(r)
        f.close()
        assert os.get_blocking(r)                  # left as it was found, and open
        os.fstat(r)
        with pytest.raises(ValueError, match="unbuffered text"):
            FileObjectPosix(w, "w", buffering=0)
        with pytest.raises(TypeError):
            FileObjectPosix(object())
    finally:
        os.close(r)
        os.close(w)


def test_block_file(tmp_path):
    with FileObjectBlock(tmp_path / "b", "wb") as f:
        f.write(b"z")
    assert isinstance(f.io, io.BufferedWriter) and f.closed
    assert (tmp_path / "b").read_bytes() == b"z"
