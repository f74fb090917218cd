"""Receive Twilio status callbacks and incoming SMS in a one-file Django app.

Run it as it is (``python examples/webhooks_django.py``): it posts two sample
webhooks, signed the way Twilio signs them, through Django's test client and
prints what the app received. Serve it for real with your credentials in
``TWILIO_ACCOUNT_SID`` and ``TWILIO_AUTH_TOKEN``::

    PUBLIC_URL=https://hooks.example.com python examples/webhooks_django.py runserver

``PUBLIC_URL`` is the scheme and host Twilio calls: behind a proxy or a
tunnel your server sees another URL, and Twilio signed this one. In a
project, the view goes in ``urls.py`` just as ``route`` puts it here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sys
from urllib.parse import urlencode, urlsplit

import django
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, path

from smskit import InboundMessage, StatusEvent
from smskit.providers import Twilio
from smskit.webhooks import WebhookHandler, WebhookResult
from smskit.webhooks.django import webhook_view

HOOK_PATH = "hooks/twilio"

# Demo credentials for the offline run; never use them for real.
DEMO_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
DEMO_AUTH_TOKEN = "demo-auth-token"  # noqa: S105 - not a secret
DEMO_PUBLIC_URL = "https://hooks.example.com"

urlpatterns: list[URLPattern] = []


def on_result(result: WebhookResult) -> None:
    """Act on what is new; in an app this would store or queue it."""
    for item in result.items:
        if isinstance(item, StatusEvent):
            print(f"status    {item.message_id} {item.status.value}")
        elif isinstance(item, InboundMessage):
            print(f"inbound   {item.id} {item.body!r} intent={item.intent}")
    for duplicate in result.duplicates:
        print(f"duplicate {type(duplicate).__name__} (already handled)")


def configure(public_url: str) -> None:
    """Django's settings for this one-file app."""
    settings.configure(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=[
            "localhost",
            "127.0.0.1",
            "testserver",
            urlsplit(public_url).hostname,
        ],
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "demo-only-secret-key"),
        MIDDLEWARE=[
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",  # the view is exempt
        ],
        USE_TZ=True,
    )
    django.setup()


def route(twilio: Twilio, public_url: str) -> None:
    """One URL for Twilio's status callbacks and incoming messages."""
    handler = WebhookHandler(twilio, public_url=public_url)
    urlpatterns.append(path(HOOK_PATH, webhook_view(handler, on_result)))


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """``X-Twilio-Signature`` as Twilio computes it, to fake Twilio offline.

    HMAC-SHA1 with the Auth Token over the URL followed by each parameter's
    name and value, names sorted; base64.
    """
    signed = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def demo() -> None:
    configure(DEMO_PUBLIC_URL)
    route(
        Twilio(account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN),
        DEMO_PUBLIC_URL,
    )
    client = Client(enforce_csrf_checks=True)  # as in production
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
    # Twilio signs the public URL; the test client reaches http://testserver.
    signed_url = f"{DEMO_PUBLIC_URL}/{HOOK_PATH}"
    for params in [*callbacks, callbacks[0]]:  # the last one is a redelivery
        signature = twilio_signature(DEMO_AUTH_TOKEN, signed_url, params)
        response = client.post(
            f"/{HOOK_PATH}",
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
        )
        print(f"answered  {response.status_code} {response.content.decode()}")
    forged = client.post(
        f"/{HOOK_PATH}",
        data="MessageSid=SMx",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "forged"},
    )
    print(f"forged    {forged.status_code} {forged.content.decode().strip()}")


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        demo()
        return
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    public_url = os.environ["PUBLIC_URL"]
    configure(public_url)
    route(Twilio(), public_url)
    execute_from_command_line(argv)


if __name__ == "__main__":
    main(sys.argv)
