"""stdout and stderr for one run of the command line, made safe to write to.

Text is encoded with `backslashreplace`: a character the stream's encoding lacks (a lone surrogate; anything
beyond ASCII under PYTHONIOENCODING=ascii) comes out as an escape, never as a UnicodeEncodeError. A write that
fails (a full disk: ENOSPC, as /dev/full gives; a closed pipe: EPIPE, as `| head` gives; a closed stdout) raises
`OutputError`, which the CLI boundary turns into one line, or a quiet exit for a closed pipe. The failed stream's
file descriptor is then pointed at /dev/null, so that Python's own flush at exit has nothing left to fail on.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys


class OutputError(Exception):
    """Writing to stdout or stderr failed. Not an OSError: it must not be taken for one of the command's own."""

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(f"{stream}: cannot write: {error.strerror or error}")
        self.stream = stream
        self.error = error

    @property
    def broken_pipe(self) -> bool:
        return self.error.errno == errno.EPIPE


class _Guard(io.BufferedIOBase):
    """The binary stream under a std stream: every write and flush passes through, an OSError becomes an
    OutputError, and whatever follows is dropped. The failure is kept: code that swallows exceptions (click probes
    a stream with a write) cannot hide it from `flush`."""

    def __init__(self, target, name: str) -> None:
        super().__init__()
        self._target, self._name, self.failure = target, name, None

    @property
    def failed(self) -> bool:
        return self.failure is not None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if data and not self.failed:  # an empty write fails on /dev/full too, and click probes with one
            try:
                self._target.write(data)
            except OSError as error:
                self._fail(error)
        return len(data)

    def flush(self) -> None:
        if not self.failed and not self.closed:
            try:
                self._target.flush()
            except OSError as error:
                self._fail(error)

    def isatty(self) -> bool:
        return not self.failed and self._target.isatty()

    def fileno(self) -> int:
        return self._target.fileno()

    def _fail(self, error: OSError):
        self.failure = OutputError(self._name, error)
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation, AttributeError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._target.fileno())
            os.close(null)
        raise self.failure


class _Closed:
    """What stands for a stream that Python found closed at start-up (`>&-`): the first write fails."""

    def write(self, data):
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def _guarded(stream, name: str):
    if stream is None:
        buffer, encoding, line_buffering = _Closed(), "utf-8", False
    else:
        buffer, encoding = getattr(stream, "buffer", None), getattr(stream, "encoding", None)
        if buffer is None or encoding is None:
            return stream  # not a file (a test's StringIO): nothing to guard
        line_buffering = getattr(stream, "line_buffering", False)
        with contextlib.suppress(OSError, ValueError):
            stream.flush()  # whatever was written before the boundary goes first
    return io.TextIOWrapper(_Guard(buffer, name), encoding=encoding, errors="backslashreplace",
                            line_buffering=line_buffering, write_through=True)


@contextlib.contextmanager
def guarded():
    """sys.stdout and sys.stderr guarded for the block, and restored after it."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _guarded(sys.stdout, "stdout"), _guarded(sys.stderr, "stderr")
    try:
        yield
    finally:
        with contextlib.suppress(OutputError):
            flush()
        sys.stdout, sys.stderr = saved


def flush() -> None:
    """Flush both streams; OutputError if one fails, or failed earlier."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
        guard = getattr(stream, "buffer", None)
        if isinstance(guard, _Guard) and guard.failed:
            raise guard.failure
