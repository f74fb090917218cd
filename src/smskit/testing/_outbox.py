"""`Outbox`: what the sandbox sent, with assertions that explain failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smskit import phone
from smskit._exceptions import InvalidPhoneNumber
from smskit._models import Status

if TYPE_CHECKING:
    from smskit._models import Message
    from smskit.providers import Sandbox

__all__ = ["Outbox"]


class Outbox:
    """A view of a sandbox's sent messages for tests.

    Args:
        sandbox: The sandbox to read from.
        region: Region for numbers given to `assert_sent` without ``+``.
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
        """Messages sent to ``to`` (any format `smskit.phone` accepts)."""
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
                message lists what was sent instead.
        """
        number = None if to is None else self._normalize(to)
        status = None if status is None else Status.parse(status)
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
        if self.messages:
            raise AssertionError(f"expected no SMS; {self._summary()}")

    def _normalize(self, number: str) -> str:
        try:
            return phone.to_e164(number, region=self._region)
        except InvalidPhoneNumber:
            return number  # compare as given: the assertion will say it is absent

    def _summary(self) -> str:
        if not self.messages:
            return "the outbox is empty"
        lines = [
            f"  {index}. to={m.to} from={m.sender} status={m.status} body={m.body!r}"
            for index, m in enumerate(self.messages, start=1)
        ]
        return "the outbox holds:\n" + "\n".join(lines)


def _describe(**criteria: object) -> str:
    given = [
        f"{name}={value!r}" for name, value in criteria.items() if value is not None
    ]
    return f"with {', '.join(given)}" if given else "at all"
