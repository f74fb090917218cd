"""What smskit's Redis users share: redis-py, its failures and its clients.

`RedisLimiter`, `RedisGuardStore` and the webhooks' `RedisStore` each hold
Redis clients for a different purpose but set them up alike: redis-py is
imported only when one is created, clients built from a URL get smskit's
timeouts and make a single attempt, a failure becomes the owner's smskit
error naming only the error's class, and none of them can be pickled. Each
function takes the owner's class name (``owner``) so that messages say which
one failed.

This module sits at the package's top level so that the engine
(``smskit._core``), the guard and ``smskit.webhooks`` may all import it.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any, NoReturn

from smskit import _checks as checks
from smskit._exceptions import ConfigurationError, OptionTypeError, SmsKitError

__all__ = [
    "DEFAULT_REDIS_TIMEOUT",
    "aclose_client",
    "check_client",
    "check_sources",
    "client_from_url",
    "failures",
    "raise_unavailable",
    "redis_module",
    "refuse_pickling",
    "text",
    "timeouts",
]

DEFAULT_REDIS_TIMEOUT = 1.0
"""Seconds a Redis client created from a URL allows to connect, and per reply.

Well within the client's own 5 s connect timeout: a Redis that is down or
frozen fails a send in about two seconds instead of stalling it.
"""


def redis_module(owner: str, name: str) -> Any:
    """Import the redis-py module ``name``.

    Raises:
        ConfigurationError: redis-py is not installed; the message names the
            extra that installs it.
    """
    try:
        return importlib.import_module(name)
    except ImportError:
        message = f"{owner} needs redis-py: pip install 'smskit-sdk[redis]'"
        raise ConfigurationError(message) from None


def failures(owner: str) -> tuple[type[BaseException], ...]:
    """The errors that mean "Redis could not be asked", from redis-py or below.

    redis-py wraps most socket errors, but not all of them on every version;
    ``asyncio.TimeoutError`` is not an ``OSError`` before Python 3.11.
    """
    exceptions = redis_module(owner, "redis.exceptions")
    return (exceptions.RedisError, OSError, asyncio.TimeoutError)


def raise_unavailable(
    error_class: type[SmsKitError], failed: str, error: BaseException, outcome: str
) -> NoReturn:
    """Raise the owner's error for a Redis failure, chained to ``error``.

    The message is ``"{failed}: Redis failed with {class}; {outcome}"``: only
    the error's class, because its text may name the host, and a URL is never
    repeated, as it may hold the password.
    """
    message = f"{failed}: Redis failed with {type(error).__name__}; {outcome}"
    raise error_class(message) from error


def refuse_pickling(owner: str) -> NoReturn:
    """Refuse to pickle an owner of Redis clients (``__reduce__``).

    A pickle would carry the password of the URL and dead connections.
    """
    message = (
        f"a {owner} cannot be pickled (it holds Redis connections and "
        "perhaps a password): create one in each process from its URL"
    )
    raise TypeError(message)


def check_sources(
    owner: str, url: object, client: object, async_client: object
) -> None:
    """Check that a URL or a client was given, and that a URL is a string.

    Raises:
        ConfigurationError: Neither a URL nor a client was given.
        OptionTypeError: The URL is not a string.
    """
    if url is None and client is None and async_client is None:
        raise ConfigurationError(f"{owner} needs url=, client= or async_client=")
    if url is not None:
        checks.instance(f"{owner} url", url, str)


def check_client(owner: str, name: str, given: object) -> None:
    """Check that the option ``name``, when given, looks like a redis-py client.

    Raises:
        OptionTypeError: It has no ``register_script``.
    """
    if given is not None and not callable(getattr(given, "register_script", None)):
        kind = type(given).__name__
        message = f"{owner} {name}= must be a redis-py client, not {kind}"
        raise OptionTypeError(message)


def timeouts(
    owner: str, connect_timeout: object, socket_timeout: object
) -> dict[str, float]:
    """Check the timeouts and name them as redis-py's ``from_url`` does.

    Raises:
        ConfigurationError: A timeout is not a positive number of seconds.
        OptionTypeError: A timeout is not a number.
    """
    return {
        "socket_connect_timeout": checks.number(
            f"{owner} connect_timeout", connect_timeout, minimum=0
        ),
        "socket_timeout": checks.number(
            f"{owner} socket_timeout", socket_timeout, minimum=0
        ),
    }


def client_from_url(
    owner: str, module: str, url: str, options: dict[str, float]
) -> Any:
    """A client of ``module`` (``redis`` or ``redis.asyncio``) for ``url``.

    It makes one attempt, so the timeouts in ``options`` bound every call.
    Building connects to nothing: a dead Redis shows at the first command.

    Raises:
        ConfigurationError: redis-py is not installed, or the URL is not a
            usable Redis URL (the message does not quote it).
    """
    redis_class = redis_module(owner, module).Redis
    retry_class = redis_module(owner, f"{module}.retry").Retry
    no_backoff = redis_module(owner, "redis.backoff").NoBackoff()
    try:
        return redis_class.from_url(url, retry=retry_class(no_backoff, 0), **options)
    except ValueError as error:
        # redis-py's message may quote part of the URL; show only its kind.
        message = (
            f"{owner} url= is not a usable Redis URL (redis://, rediss:// or "
            f"unix://, with valid options): {type(error).__name__}"
        )
        raise ConfigurationError(message) from None


async def aclose_client(client: Any) -> None:
    """Close an async redis-py client."""
    # redis-py 5.0.0 has no aclose(); its close() is the coroutine.
    await getattr(client, "aclose", client.close)()


def text(value: Any) -> str:
    """A Redis reply (bytes unless the client decodes) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)
