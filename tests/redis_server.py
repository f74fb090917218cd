"""A throwaway redis-server on 127.0.0.1 for the tests of smskit's Redis users.

A test that needs redis-server is skipped when it is not installed, unless
SMSKIT_REQUIRE_REDIS=1 (CI sets it), which turns the skip into a failure: CI
never passes by skipping the Redis tests.

Import redis-py (``pytest.importorskip("redis")``) before using this module.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["RedisServer", "free_port", "redis_binary", "running_redis"]

# Seconds a new server has to answer its first PING.
_START_WITHIN = 10
# Seconds to wait for the server to exit once told to.
_STOP_WITHIN = 10


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str:
    """redis-server's path; skips the test, or fails it when CI requires Redis."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("SMSKIT_REQUIRE_REDIS") == "1":
            pytest.fail("SMSKIT_REQUIRE_REDIS=1 but redis-server is not installed")
        pytest.skip("no redis-server")
    return binary


class RedisServer:
    """A redis-server on 127.0.0.1 that a test may restart, kill or freeze.

    It keeps nothing on disk (no snapshots, no append-only file) and listens
    on a free port, which `start` keeps across restarts.
    """

    def __init__(self, binary: str, workdir: Path, password: str | None = None) -> None:
        self.binary = binary
        self.workdir = workdir
        self.password = password
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The URL to reach it, with the password when it has one."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart, on the same port) and wait until it answers."""
        # Imported here: redis-py is optional and the tests importorskip it.
        import redis

        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(  # noqa: S603 -- a fixed local binary
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + _START_WITHIN
        while True:
            try:
                with redis.Redis.from_url(self.url) as probe:
                    probe.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the server dies at once, its sockets reset or refused."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=_STOP_WITHIN)

    def signal(self, signum: signal.Signals) -> None:
        """Send ``signum`` (SIGSTOP freezes the server, SIGCONT thaws it)."""
        assert self.process is not None
        self.process.send_signal(signum)

    def stop(self) -> None:
        """Thaw and end the server, whatever state a test left it in."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=_STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=_STOP_WITHIN)


@contextlib.contextmanager
def running_redis(workdir: Path, password: str | None = None) -> Iterator[RedisServer]:
    """A started server in ``workdir``, stopped on leaving (skips without one)."""
    server = RedisServer(redis_binary(), workdir, password)
    try:
        server.start()
        yield server
    finally:
        server.stop()
