"""Receive Twilio status callbacks and incoming SMS in a FastAPI app.

Run it as it is (``python examples/webhooks_fastapi.py``): it posts two sample
webhooks, signed the way Twilio signs them, to the app in-process and prints
what the app received. Serve it for real with your credentials in
``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``::

    PUBLIC_URL=https://hooks.example.com uvicorn --factory webhooks_fastapi:create_app

``PUBLIC_URL`` is the scheme and host Twilio calls: behind a proxy or a
tunnel your server sees another URL, and Twilio signed this one. The same
endpoint works in a plain Starlette app (``app.add_route``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import anyio
import httpx
from fastapi import FastAPI

from smskit import InboundMessage, StatusEvent
from smskit.providers import Twilio
from smskit.webhooks import WebhookHandler, WebhookResult
from smskit.webhooks.starlette import webhook_view

HOOK_PATH = "/hooks/twilio"

# Demo credentials for the offline run; never use them for real.
DEMO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
DEMO_AUTH_TOKEN = "demo-auth-token"  # noqa: S105 - not a secret
DEMO_PUBLIC_URL = "https://hooks.example.com"


async def on_result(result: WebhookResult) -> None:
    """Act on what is new; in an app this would store or queue it."""
    for item in result.items:
        if isinstance(item, StatusEvent):
            print(f"status    {item.message_id} {item.status.value}")
        elif isinstance(item, InboundMessage):
            print(f"inbound   {item.id} {item.body!r} intent={item.intent}")
    for duplicate in result.duplicates:
        print(f"duplicate {type(duplicate).__name__} (already handled)")


def build_app(twilio: Twilio, public_url: str) -> FastAPI:
    """The app: one URL for Twilio's status callbacks and incoming messages."""
    app = FastAPI()
    handler = WebhookHandler(twilio, public_url=public_url)
    endpoint = webhook_view(handler, on_result)
    app.add_api_route(HOOK_PATH, endpoint, methods=["POST"], include_in_schema=False)
    return app


def create_app() -> FastAPI:
    """What ``uvicorn --factory`` runs: settings from the environment."""
    return build_app(Twilio(), os.environ["PUBLIC_URL"])


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """``X-Twilio-Signature`` as Twilio computes it, to fake Twilio offline.

    HMAC-SHA1 with the Auth Token over the URL followed by each parameter's
    name and value, names sorted; base64.
    """
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


async def demo() -> None:
    twilio = Twilio(account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN)
    transport = httpx.ASGITransport(app=build_app(twilio, DEMO_PUBLIC_URL))
    callbacks = [
        {  # a status callback for a message you sent
            "MessageSid": "SM0123456789abcdef0123456789abcdef",
            "MessageStatus": "delivered",
            "AccountSid": DEMO_ACCOUNT_SID,
            "To": "+14155552671",
            "From": "+15005550006",
        },
        {  # a reply from a recipient
            "MessageSid": "SMfedcba9876543210fedcba9876543210",
            "SmsStatus": "received",
            "AccountSid": DEMO_ACCOUNT_SID,
            "From": "+14155552671",
            "To": "+15005550006",
            "Body": "STOP",
        },
    ]
    # Twilio signs the public URL; this client reaches http://testserver.
    signed_url = DEMO_PUBLIC_URL + HOOK_PATH
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver"
    ) as client:
        for params in [*callbacks, callbacks[0]]:  # the last one is a redelivery
            signature = twilio_signature(DEMO_AUTH_TOKEN, signed_url, params)
            response = await client.post(
                HOOK_PATH, data=params, headers={"X-Twilio-Signature": signature}
            )
            print(f"answered  {response.status_code} {response.text}")
        forged = await client.post(
            HOOK_PATH,
            data={"MessageSid": "SMx"},
            headers={"X-Twilio-Signature": "forged"},
        )
        print(f"forged    {forged.status_code} {forged.text.strip()}")


if __name__ == "__main__":
    anyio.run(demo)
