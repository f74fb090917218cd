"""`Outbox`: what the sandbox sent, with assertions that explain failures.

smskit's pytest plugin imports this package in every project that has smskit
installed, so at module level this file imports only the light `smskit._config`
and `smskit._exceptions`; `smskit.phone` and the models, which are heavy, are
imported when an assertion needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from smskit._config import capture_regions, captured_by
from smskit._exceptions import InvalidPhoneNumber

if TYPE_CHECKING:
    from smskit._models import Message, Status
    from smskit.providers import Sandbox

__all__ = ["Outbox"]


class Outbox:
    """A view of a sandbox's sent messages for tests.

    A number given without ``+`` (such as ``"(415) 555-2671"``) is read in
    ``region`` when one is given. Otherwise, while the sandbox captures a
    test's sends, it is read in the default region of the clients that sent:
    when they all used one region, that one; when none had a region, or they
    had different ones, the helper fails and says so, rather than guess.

    Args:
        sandbox: The sandbox to read from.
        region: Region for numbers given to `assert_sent` and `sent_to`
            without ``+``; it overrides the clients' regions.
    """

    def __init__(self, sandbox: Sandbox, *, region: str | None = None) -> None:
        self.sandbox = sandbox
        self._region = region

    def __len__(self) -> int:
        return len(self.messages)

    def __repr__(self) -> str:
        return f"<Outbox: {len(self)} messages>"

    @property
    def messages(self) -> list[Message]:
        """Every message sent so far, oldest first."""
        return self.sandbox.outbox

    def sent_to(self, to: str) -> list[Message]:
        """Messages sent to ``to`` (any format `smskit.phone` accepts).

        Raises:
            AssertionError: ``to`` has no country code and no single region
                to read it in is known.
        """
        __tracebackhide__ = True
        number = self._normalize(to)
        return [message for message in self.messages if message.to == number]

    def assert_sent(
        self,
        *,
        to: str | None = None,
        body: str | None = None,
        body_contains: str | None = None,
        sender: str | None = None,
        status: Status | str | None = None,
        count: int | None = None,
    ) -> list[Message]:
        """Assert that messages matching every given criterion were sent.

        Args:
            to: The recipient (normalized like the client does).
            body: The exact text.
            body_contains: A piece of the text.
            sender: The sender ID or number.
            status: The current status.
            count: Exactly this many must match (default: at least one).

        Returns:
            The matching messages.

        Raises:
            AssertionError: Nothing (or not ``count`` messages) matched; the
                message lists what was sent instead. Also when ``to`` has no
                country code and no single region to read it in is known.
        """
        __tracebackhide__ = True
        number = None if to is None else self._normalize(to)
        status = None if status is None else _status(status)
        matches = [
            message
            for message in self.messages
            if (number is None or message.to == number)
            and (body is None or message.body == body)
            and (body_contains is None or body_contains in (message.body or ""))
            and (sender is None or message.sender == sender)
            and (status is None or message.status is status)
        ]
        wanted = _describe(
            to=number,
            body=body,
            body_contains=body_contains,
            sender=sender,
            status=status,
        )
        if count is None and not matches:
            raise AssertionError(f"no SMS {wanted} was sent; {self._summary()}")
        if count is not None and len(matches) != count:
            summary = self._summary()
            found = len(matches)
            raise AssertionError(
                f"expected {count} SMS {wanted}, found {found}; {summary}"
            )
        return matches

    def assert_nothing_sent(self) -> None:
        """Assert that no message was sent.

        Raises:
            AssertionError: Something was sent; the message lists it.
        """
        __tracebackhide__ = True
        if self.messages:
            raise AssertionError(f"expected no SMS; {self._summary()}")

    def _normalize(self, number: str) -> str:
        """``number`` in E.164, as the client that sent to it wrote it."""
        __tracebackhide__ = True
        from smskit.phone import to_e164  # noqa: PLC0415 -- see the module docstring

        region = self._region
        if region is None:
            try:
                return to_e164(number)
            except InvalidPhoneNumber as error:
                if error.reason != "needs_region":
                    return number  # compare as given: the assertion lists it
            region = self._clients_region(number)
        try:
            return to_e164(number, region=region)
        except InvalidPhoneNumber as error:
            if error.reason == "unknown_region":
                raise  # the test's region is wrong, not the number
            return number

    def _clients_region(self, number: str) -> str:
        """The one default region of the clients that sent into this sandbox.

        Raises:
            AssertionError: No client with a region sent here, or clients
                with different regions did.
        """
        __tracebackhide__ = True
        captured = captured_by() is self.sandbox
        regions = sorted(r for r in capture_regions() if r is not None)
        if captured and len(regions) == 1:
            return regions[0]
        if not captured:
            why = "this sandbox is not capturing a test's sends, so no region is known"
        elif not regions:
            why = "no client that sent into this test's sandbox had a region"
        else:
            why = f"the clients that sent used different regions ({', '.join(regions)})"
        raise AssertionError(
            f"cannot read to={number!r}: it has no country code and {why}; write "
            "it in E.164 form (such as '+14155552671'), or give the outbox a "
            "region (Outbox(sandbox, region='US'), @pytest.mark.smskit(region="
            f"'US') or the smskit_region ini option); {self._summary()}"
        )

    def _summary(self) -> str:
        __tracebackhide__ = True
        if not self.messages:
            return "the outbox is empty"
        lines = [
            f"  {index}. to={m.to} from={m.sender} status={m.status} body={m.body!r}"
            for index, m in enumerate(self.messages, start=1)
        ]
        return "the outbox holds:\n" + "\n".join(lines)


def _status(status: Status | str) -> Status:
    """``status`` as a `Status`."""
    __tracebackhide__ = True
    from smskit._models import Status  # noqa: PLC0415 -- see the module docstring

    return Status.parse(status)


def _describe(**criteria: object) -> str:
    __tracebackhide__ = True
    given = [
        f"{name}={value!r}" for name, value in criteria.items() if value is not None
    ]
    return f"with {', '.join(given)}" if given else "at all"
