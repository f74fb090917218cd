"""PublicUrl: the URL a provider signed, from a base or trusted proxies only."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from webhook_helpers import FakeProvider, event, fake_request

from smskit import ConfigurationError, OptionTypeError, WebhookVerificationError
from smskit.webhooks import PublicUrl, WebhookHandler, WebhookRequest
from smskit.webhooks._url import display_url

RECEIVED = "http://10.0.0.5:8000/hooks/sms?a=1&b=2"
PROXIES = PublicUrl(trusted_proxies=["10.0.0.0/8", "2001:db8::/32"])


def request(
    headers: Mapping[str, str] | None = None,
    remote_addr: str | None = "10.0.0.9",
    url: str = RECEIVED,
) -> WebhookRequest:
    return WebhookRequest(
        method="POST", url=url, headers=headers or {}, remote_addr=remote_addr
    )


# -- a base URL ----------------------------------------------------------------


def test_base_replaces_scheme_host_and_port_keeping_path_and_query() -> None:
    public = PublicUrl("https://hooks.example.com")
    assert public.rebuild(request()) == "https://hooks.example.com/hooks/sms?a=1&b=2"


def test_base_with_a_port_and_a_prefix() -> None:
    public = PublicUrl("https://example.com:8443/app/")
    assert public.rebuild(request()) == "https://example.com:8443/app/hooks/sms?a=1&b=2"


def test_base_ignores_forwarded_headers() -> None:
    public = PublicUrl("https://hooks.example.com")
    spoofed = request({"X-Forwarded-Host": "evil.example", "Forwarded": "host=evil"})
    assert public.rebuild(spoofed).startswith("https://hooks.example.com/")


@pytest.mark.parametrize(
    "base",
    [
        "ftp://hooks.example.com",
        "hooks.example.com",
        "https://",
        "https://hooks.example.com/?x=1",
        "https://hooks.example.com/#frag",
        "https://admin:pw-123@hooks.example.com",
    ],
)
def test_a_bad_base_is_refused_without_repeating_it(base: str) -> None:
    with pytest.raises(ConfigurationError, match="PublicUrl base") as caught:
        PublicUrl(base)
    assert "pw-123" not in str(caught.value)


def test_base_or_proxies_not_both_nor_neither() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        PublicUrl("https://hooks.example.com", trusted_proxies=["10.0.0.1"])
    with pytest.raises(ConfigurationError, match="needs base"):
        PublicUrl()


def test_proxies_must_be_addresses_or_networks() -> None:
    with pytest.raises(ConfigurationError, match="not an IP address"):
        PublicUrl(trusted_proxies=["proxy.internal"])
    with pytest.raises(OptionTypeError, match="trusted_proxies"):
        PublicUrl(trusted_proxies=[10])  # type: ignore[list-item]
    with pytest.raises(OptionTypeError, match="base"):
        PublicUrl(b"https://x.example")  # type: ignore[arg-type]


def test_a_single_proxy_may_be_given_bare() -> None:
    assert PublicUrl(trusted_proxies="10.0.0.1").trusted_proxies == ("10.0.0.1/32",)


def test_repr_equality_and_properties() -> None:
    assert repr(PublicUrl("https://a.example")) == "PublicUrl('https://a.example')"
    assert PublicUrl("https://a.example") == PublicUrl("https://a.example")
    assert hash(PublicUrl("https://a.example")) == hash(PublicUrl("https://a.example"))
    assert PublicUrl("https://a.example").base == "https://a.example"
    assert PROXIES.base is None
    assert "10.0.0.0/8" in repr(PROXIES)


# -- trusted proxies --------------------------------------------------------------


def test_forwarded_headers_are_ignored_from_an_untrusted_peer() -> None:
    spoofed = request(
        {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"},
        remote_addr="203.0.113.9",
    )
    assert PROXIES.rebuild(spoofed) == RECEIVED


def test_forwarded_headers_are_ignored_without_a_peer_address() -> None:
    spoofed = request({"X-Forwarded-Host": "hooks.example.com"}, remote_addr=None)
    assert PROXIES.rebuild(spoofed) == RECEIVED


def test_x_forwarded_headers_from_a_trusted_proxy() -> None:
    trusted = request(
        {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"}
    )
    assert PROXIES.rebuild(trusted) == "https://hooks.example.com/hooks/sms?a=1&b=2"


def test_x_forwarded_port() -> None:
    trusted = request(
        {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "hooks.example.com:444",
            "X-Forwarded-Port": "8443",
        }
    )
    assert (
        PROXIES.rebuild(trusted) == "https://hooks.example.com:8443/hooks/sms?a=1&b=2"
    )


def test_only_the_scheme_forwarded_keeps_the_received_host() -> None:
    trusted = request({"X-Forwarded-Proto": "HTTPS"})
    assert PROXIES.rebuild(trusted) == "https://10.0.0.5:8000/hooks/sms?a=1&b=2"


def test_a_trusted_proxy_with_no_headers_changes_nothing() -> None:
    assert PROXIES.rebuild(request()) == RECEIVED


def test_rfc_7239_forwarded() -> None:
    trusted = request(
        {"Forwarded": 'for=198.51.100.7;proto=https;host="hooks.example.com"'}
    )
    assert PROXIES.rebuild(trusted) == "https://hooks.example.com/hooks/sms?a=1&b=2"


def test_forwarded_wins_over_x_forwarded() -> None:
    trusted = request(
        {
            "Forwarded": "proto=https;host=a.example",
            "X-Forwarded-Host": "b.example",
        }
    )
    assert PROXIES.rebuild(trusted).startswith("https://a.example/")


def test_a_chain_of_trusted_proxies_uses_the_outermost() -> None:
    # CDN (https, public host) -> load balancer 10.0.0.2 -> us; each appended.
    chain = request(
        {
            "Forwarded": (
                "for=198.51.100.7;proto=https;host=hooks.example.com, "
                'for="10.0.0.2:4711";proto=http;host=lb.internal'
            )
        }
    )
    assert PROXIES.rebuild(chain).startswith("https://hooks.example.com/")


def test_entries_before_an_untrusted_hop_are_not_believed() -> None:
    # The caller 203.0.113.9 wrote the first entry itself; our proxy added
    # the last one, which is the only one believed.
    chain = request(
        {
            "Forwarded": (
                "proto=https;host=evil.example, "
                "for=203.0.113.9;proto=https;host=hooks.example.com"
            )
        }
    )
    assert PROXIES.rebuild(chain).startswith("https://hooks.example.com/")


def test_x_forwarded_lists_are_read_hop_by_hop() -> None:
    chain = request(
        {
            "X-Forwarded-For": "198.51.100.7, 10.0.0.2",
            "X-Forwarded-Proto": "https, http",
            "X-Forwarded-Host": "hooks.example.com, lb.internal",
        }
    )
    assert PROXIES.rebuild(chain).startswith("https://hooks.example.com/")
    spoofed = request(
        {
            "X-Forwarded-For": "1.2.3.4, 203.0.113.9",
            "X-Forwarded-Proto": "https, https",
            "X-Forwarded-Host": "evil.example, hooks.example.com",
        }
    )
    assert PROXIES.rebuild(spoofed).startswith("https://hooks.example.com/")


def test_ipv6_peers() -> None:
    trusted = request({"X-Forwarded-Proto": "https"}, remote_addr="2001:db8::7")
    assert PROXIES.rebuild(trusted).startswith("https://")
    assert PROXIES.trusts("[2001:db8::7]:443")
    assert not PROXIES.trusts("2001:db9::7")
    assert not PROXIES.trusts("unknown")


@pytest.mark.parametrize(
    ("header", "value", "what"),
    [
        ("X-Forwarded-Proto", "javascript", "scheme"),
        ("X-Forwarded-Host", "evil.example/path", "host"),
        ("X-Forwarded-Host", "user@evil.example", "host"),
        ("X-Forwarded-Port", "99999", "port"),
        ("X-Forwarded-Port", "443x", "port"),
    ],
)
def test_unusable_forwarded_values_are_refused(
    header: str, value: str, what: str
) -> None:
    with pytest.raises(WebhookVerificationError, match=f"forwarded the {what}"):
        PROXIES.rebuild(request({header: value}))


def test_display_url_drops_credentials_and_query_values() -> None:
    shown = display_url("https://u:pw@hooks.example.com:8443/x?token=t0k")
    assert shown == "https://hooks.example.com:8443/x?…"
    assert display_url("http://[::1]:8000/") == "http://[::1]:8000/"


# -- through the handler ---------------------------------------------------------


PUBLIC = "https://hooks.example.com/hooks/sms?a=1&b=2"


def test_the_handler_ignores_forwarded_headers_by_default() -> None:
    signed_for_public = fake_request(
        events=[event("m1", "sent")],
        url=RECEIVED,
        signed_url=PUBLIC,
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"},
        remote_addr="10.0.0.9",
    )
    with pytest.raises(WebhookVerificationError, match="URL as received"):
        WebhookHandler(FakeProvider()).handle(signed_for_public)
    trusting = WebhookHandler(FakeProvider(), public_url=PROXIES)
    assert len(trusting.handle(signed_for_public).items) == 1


def test_the_handler_names_the_rebuilt_url_when_it_fails() -> None:
    signed_elsewhere = fake_request(
        events=[event("m1", "sent")],
        url=RECEIVED,
        signed_url="https://old.example.com/hooks/sms?a=1&b=2",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "hooks.example.com"},
        remote_addr="10.0.0.9",
    )
    handler = WebhookHandler(FakeProvider(), public_url=PROXIES)
    with pytest.raises(WebhookVerificationError) as caught:
        handler.handle(signed_elsewhere)
    text = str(caught.value)
    assert "rebuilt from forwarded headers of trusted proxies" in text
    assert "as https://hooks.example.com/hooks/sms?…" in text
    assert "reached http://10.0.0.5:8000/hooks/sms?…" in text
