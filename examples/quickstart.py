"""Send an SMS through the sandbox and watch it get delivered.

Run it with ``scripts/demo``. Nothing leaves your machine: the sandbox is an
in-process provider that speaks HTTP through the same engine as real ones.
"""

from __future__ import annotations

import smskit


def main() -> None:
    """Send one message, let sandbox time pass, and fetch its final status."""
    sandbox = smskit.providers.Sandbox(seed=1)
    with smskit.Client(sandbox, region="US", sender="+15005550006") as client:
        message = client.send(to="(415) 555-2671", body="Your smskit code is 123456")
        print(f"sent      id={message.id} to={message.to}")
        print(
            f"          status={message.status} encoding={message.encoding} "
            f"segments={message.segments}"
        )

        for event in sandbox.advance():
            print(f"event     {event.status} at {event.occurred_at:%H:%M:%S}")

        delivered = client.fetch(message.id)
        print(f"fetched   status={delivered.status} price={delivered.price} USD")


if __name__ == "__main__":
    main()
