"""Receive Twilio status callbacks and incoming SMS in a Flask app.

Run it as it is (``python examples/webhooks_flask.py``): it posts two sample
webhooks, signed the way Twilio signs them, through Flask's test client and
prints what the app received. Serve it for real with your credentials in
``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``::

    PUBLIC_URL=https://hooks.example.com flask --app examples/webhooks_flask.py run

``PUBLIC_URL`` is the scheme and host Twilio calls: behind a proxy or a
tunnel your server sees another URL, and Twilio signed this one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from urllib.parse import urlencode

from flask import Flask

from smskit import InboundMessage, StatusEvent
from smskit.providers import Twilio
from smskit.webhooks import WebhookHandler, WebhookResult
from smskit.webhooks.flask import webhook_view

HOOK_PATH = "/hooks/twilio"

# Demo credentials for the offline run; never use them for real.
DEMO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
DEMO_AUTH_TOKEN = "demo-auth-token"  # noqa: S105 - not a secret
DEMO_PUBLIC_URL = "https://hooks.example.com"


def on_result(result: WebhookResult) -> None:
    """Act on what is new; in an app this would store or queue it."""
    for item in result.items:
        if isinstance(item, StatusEvent):
            print(f"status    {item.message_id} {item.status.value}")
        elif isinstance(item, InboundMessage):
            print(f"inbound   {item.id} {item.body!r} intent={item.intent}")
    for duplicate in result.duplicates:
        print(f"duplicate {type(duplicate).__name__} (already handled)")


def build_app(twilio: Twilio, public_url: str) -> Flask:
    """The app: one URL for Twilio's status callbacks and incoming messages."""
    app = Flask(__name__)
    handler = WebhookHandler(twilio, public_url=public_url)
    view = webhook_view(handler, on_result)
    app.add_url_rule(HOOK_PATH, "twilio_hooks", view, methods=["POST"])
    return app


def create_app() -> Flask:
    """What ``flask --app`` runs: credentials and public URL from the environment."""
    return build_app(Twilio(), os.environ["PUBLIC_URL"])


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """``X-Twilio-Signature`` as Twilio computes it, to fake Twilio offline.

    HMAC-SHA1 with the Auth Token over the URL followed by each parameter's
    name and value, names sorted; base64.
    """
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def demo() -> None:
    twilio = Twilio(account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN)
    client = build_app(twilio, DEMO_PUBLIC_URL).test_client()
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
    # Twilio signs the public URL; the test client reaches http://localhost.
    signed_url = DEMO_PUBLIC_URL + HOOK_PATH
    for params in [*callbacks, callbacks[0]]:  # the last one is a redelivery
        response = client.post(
            HOOK_PATH,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={
                "X-Twilio-Signature": twilio_signature(
                    DEMO_AUTH_TOKEN, signed_url, params
                )
            },
        )
        print(f"answered  {response.status_code} {response.get_data(as_text=True)}")
    forged = client.post(
        HOOK_PATH, data={"MessageSid": "SMx"}, headers={"X-Twilio-Signature": "forged"}
    )
    print(f"forged    {forged.status_code} {forged.get_data(as_text=True).strip()}")


if __name__ == "__main__":
    demo()
