"""Receive providers' webhooks safely: verify, parse, dedupe, order.

```python
from smskit.webhooks import WebhookHandler, WebhookRequest

handler = WebhookHandler(twilio, public_url="https://hooks.example.com")

result = handler.handle(WebhookRequest(method=..., url=..., headers=..., body=...))
for item in result.items:  # new status events and inbound messages
    ...
```

`verify` and `parse` check one request on their own; `WebhookHandler`
also refuses replayed nonces, reports redeliveries as duplicates and late
statuses as stale, and joins long inbound messages that arrive in parts.
The framework adapters (`smskit.webhooks.starlette`, `.flask`, `.django`)
build the `WebhookRequest` and send the reply for you.
"""

from __future__ import annotations

import types

from smskit.providers._protocol import WebhookReply, WebhookRequest
from smskit.webhooks._pipeline import (
    DEFAULT_MAX_BODY,
    WebhookHandler,
    WebhookResult,
    parse,
    verify,
)
from smskit.webhooks._redis import RedisStore
from smskit.webhooks._stores import (
    MemoryStore,
    PartGroup,
    Store,
    WebhookStoreUnavailable,
)
from smskit.webhooks._url import PublicUrl

__all__ = [
    "DEFAULT_MAX_BODY",
    "MemoryStore",
    "PartGroup",
    "PublicUrl",
    "RedisStore",
    "Store",
    "WebhookHandler",
    "WebhookReply",
    "WebhookRequest",
    "WebhookResult",
    "WebhookStoreUnavailable",
    "parse",
    "verify",
]

# Classes and functions defined here present themselves as smskit.webhooks.X
# (the request and reply stay smskit.providers.X, where they are defined).
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, (type, types.FunctionType)) and _obj.__module__.startswith(
        "smskit.webhooks."
    ):
        _obj.__module__ = __name__
del _name, _obj
