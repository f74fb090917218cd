"""Reading one HTTP request off a socket: the body's length and the deadline.

A per-read timeout alone lets a client hold a connection thread forever by
sending a byte now and then, and a body without a trustworthy length cannot
be read safely; both are decided here, apart from any routing.
"""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket
    from email.message import Message

__all__ = ["IDLE_TIMEOUT", "MAX_BODY_BYTES", "BadFraming", "DeadlineReader"]

MAX_BODY_BYTES = 1_048_576
"""The largest request body the emulator reads (1 MiB); larger ones get 413."""
IDLE_TIMEOUT = 30.0
"""Seconds after which an idle keep-alive connection ends."""


class BadFraming(Exception):
    """A request whose body cannot be read; answered, then the connection ends.

    Args:
        status: The HTTP status to answer (400, 411, 413).
        text: What is wrong with the request.
    """

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def body_length(headers: Message) -> int:
    """The number of body bytes a request announces.

    Args:
        headers: The request's headers.

    Returns:
        The ``Content-Length``; 0 when there is none.

    Raises:
        BadFraming: A transfer coding, a malformed, negative or repeated
            ``Content-Length``, or a body over `MAX_BODY_BYTES`.
    """
    if headers.get("Transfer-Encoding") is not None:
        raise BadFraming(411, "send the body with a Content-Length")
    values = headers.get_all("Content-Length") or []
    if len(values) > 1:
        raise BadFraming(400, "more than one Content-Length header")
    text = values[0].strip(" \t") if values else "0"
    if not (text.isascii() and text.isdigit()):
        raise BadFraming(400, "Content-Length must be a number of bytes")
    if len(text) > len(str(MAX_BODY_BYTES)) or int(text) > MAX_BODY_BYTES:
        raise BadFraming(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    return int(text)


class DeadlineReader(io.RawIOBase):
    """Socket reads that give up at a deadline as well as after idle time.

    The deadline bounds a whole request (line, headers and body); ``None``
    means only the idle timeout applies (between requests, or while the
    answer is being made).

    Args:
        sock: The client's socket.
        idle: Seconds one read may wait.
    """

    def __init__(self, sock: socket.socket, idle: float) -> None:
        super().__init__()
        self._sock = sock
        self._idle = idle
        self.deadline: float | None = None

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``, waiting no longer than the deadline allows.

        Raises:
            TimeoutError: The deadline has passed, or the read timed out.
        """
        timeout = self._idle
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
            if timeout <= 0:
                raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(timeout)
        return self._sock.recv_into(buffer)
