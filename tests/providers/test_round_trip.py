"""The emulator and the provider facts agree, and both agree with the sandbox.

Two directions, one table: each emulator dialect chooses which word to show
for a sandbox status, and each provider's ``_wire`` reads words back into
statuses. Every word a dialect shows must read back as the status it meant,
or as a collapse the provider's ``COLLAPSED`` documents. Likewise each sandbox
refusal: the code a dialect answers with must mean, in the provider's
``_errors`` table, the exception the sandbox's own client raises for it, or a
difference listed (with its reason) in `DIFFERENCES`.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Collection, Iterator
from types import ModuleType
from urllib.parse import urlencode

import pytest

from smskit._emulator import _plivo, _twilio, _vonage
from smskit._emulator._config import Credentials
from smskit._emulator._http import EmulatorRequest
from smskit._emulator._plivo import PlivoDialect
from smskit._emulator._twilio import TwilioDialect
from smskit._emulator._vonage import VonageDialect
from smskit._exceptions import (
    OptedOut,
    ProviderError,
    RateLimited,
    RejectedMessage,
)
from smskit._models import Status
from smskit.providers import plivo, twilio, vonage
from smskit.providers.plivo import _errors as plivo_errors
from smskit.providers.plivo import _wire as plivo_wire
from smskit.providers.sandbox import _api as sandbox_api
from smskit.providers.sandbox._magic import DeliveryError, Rejection
from smskit.providers.sandbox._state import SandboxRecord, SandboxState
from smskit.providers.twilio import _errors as twilio_errors
from smskit.providers.twilio import _wire as twilio_wire
from smskit.providers.vonage import _errors as vonage_errors
from smskit.providers.vonage import _wire as vonage_wire

START = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
CREDENTIALS = Credentials()
WIRES: dict[str, ModuleType] = {
    "twilio": twilio_wire,
    "vonage": vonage_wire,
    "plivo": plivo_wire,
}
PROVIDERS = (twilio, vonage, plivo)

# Where a dialect's provider tells a sandbox refusal apart less finely than
# the sandbox does: (provider, refusal) -> the exception its code means, and why.
DIFFERENCES: dict[tuple[str, Rejection], tuple[type[ProviderError], str]] = {
    ("twilio", Rejection.NOT_CANCELABLE): (
        ProviderError,
        "providers.md does not name Twilio's code for cancelling a message that "
        "is not scheduled; the table has no rule for the emulator's 30409",
    ),
    ("vonage", Rejection.QUEUE_FULL): (
        RateLimited,
        "Vonage has no sender queue to fill; the dialect answers with its "
        "nearest refusal, status 1 (throttled), with a [ N ] ms hint",
    ),
    ("vonage", Rejection.OPTED_OUT): (
        RejectedMessage,
        "status 7 says the number is barred, not that it replied STOP",
    ),
    ("plivo", Rejection.OPTED_OUT): (
        RejectedMessage,
        "Plivo answers every refusal with HTTP 400 and a text; no code says opted out",
    ),
}
# Refusals a dialect never answers with: its provider has no such operation.
NEVER_ANSWERED: dict[str, frozenset[Rejection]] = {
    "twilio": frozenset(),
    "vonage": frozenset({Rejection.NOT_CANCELABLE}),  # no cancel
    "plivo": frozenset({Rejection.NOT_CANCELABLE}),  # no cancel
}
# Codes a dialect answers with that providers.md does not list: the provider
# table has no rule, so they mean what their HTTP status means.
UNDOCUMENTED: dict[str, frozenset[object]] = {
    "twilio": frozenset({30409}),  # "message cannot be canceled" [unverified]
    "vonage": frozenset(),
    "plivo": frozenset(),
}

# The request fields that make the sandbox refuse a send for each reason.
GOOD_TO, GOOD_FROM = "+14155550100", "+15005550006"
TRIGGERS: dict[Rejection, tuple[str, str, str]] = {  # (to, from, body)
    Rejection.INVALID_TO: ("+15005550001", GOOD_FROM, "Hi"),
    Rejection.CANNOT_ROUTE: ("+15005550002", GOOD_FROM, "Hi"),
    Rejection.NO_PERMISSION: ("+15005550003", GOOD_FROM, "Hi"),
    Rejection.OPTED_OUT: ("+15005550004", GOOD_FROM, "Hi"),
    Rejection.NOT_MOBILE: ("+15005550009", GOOD_FROM, "Hi"),
    Rejection.INVALID_FROM: (GOOD_TO, "+15005550001", "Hi"),
    Rejection.SENDER_NOT_OWNED: (GOOD_TO, "+15005550007", "Hi"),
    Rejection.QUEUE_FULL: (GOOD_TO, "+15005550008", "Hi"),
    Rejection.MISSING_BODY: (GOOD_TO, GOOD_FROM, ""),
    Rejection.BODY_TOO_LONG: (GOOD_TO, GOOD_FROM, "x" * 1601),
}


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}"}


def _form(path: str, auth: dict[str, str], **fields: str) -> EmulatorRequest:
    headers = {**auth, "content-type": "application/x-www-form-urlencoded"}
    body = urlencode(fields).encode()
    return EmulatorRequest(method="POST", path=path, headers=headers, body=body)


# -- what each dialect answers a refused request with -------------------------


def _twilio_code(rejection: Rejection) -> tuple[object, int]:
    dialect = TwilioDialect(SandboxState(start=START), CREDENTIALS)
    sid = CREDENTIALS.twilio_account_sid
    auth = _basic(sid, CREDENTIALS.twilio_auth_token)
    path = twilio_wire.MESSAGES_PATH.format(account_sid=sid)
    if rejection is Rejection.NOT_CANCELABLE:  # cancel a message already queued
        created = dialect.handle(
            _form(path, auth, To=GOOD_TO, From=GOOD_FROM, Body="x")
        )
        message = twilio_wire.MESSAGE_PATH.format(
            account_sid=sid, sid=json.loads(created.body)["sid"]
        )
        answer = dialect.handle(_form(message, auth, Status="canceled"))
    else:
        to, sender, body = TRIGGERS[rejection]
        answer = dialect.handle(_form(path, auth, To=to, From=sender, Body=body))
    return json.loads(answer.body)["code"], answer.status


def _vonage_code(rejection: Rejection) -> tuple[object, int]:
    dialect = VonageDialect(SandboxState(start=START), CREDENTIALS)
    to, sender, body = TRIGGERS[rejection]
    answer = dialect.handle(
        _form(
            vonage_wire.SEND_PATH,
            {},
            api_key=CREDENTIALS.vonage_api_key,
            api_secret=CREDENTIALS.vonage_api_secret,
            to=to.lstrip("+"),
            **{"from": sender.lstrip("+")},
            text=body,
        )
    )
    return json.loads(answer.body)["messages"][0]["status"], answer.status


def _plivo_code(rejection: Rejection) -> tuple[object, int]:
    dialect = PlivoDialect(SandboxState(start=START), CREDENTIALS)
    to, sender, body = TRIGGERS[rejection]
    auth_id = CREDENTIALS.plivo_auth_id
    answer = dialect.handle(
        EmulatorRequest(
            method="POST",
            path=plivo_wire.MESSAGES_PATH.format(auth_id=auth_id),
            headers={
                **_basic(auth_id, CREDENTIALS.plivo_auth_token),
                "content-type": "application/json",
            },
            body=json.dumps(
                {"src": sender.lstrip("+"), "dst": to.lstrip("+"), "text": body}
            ).encode(),
        )
    )
    return answer.status, answer.status


ANSWERS: dict[str, Callable[[Rejection], tuple[object, int]]] = {
    "twilio": _twilio_code,
    "vonage": _vonage_code,
    "plivo": _plivo_code,
}


def _meaning(provider: str, code: object, http_status: int) -> type[ProviderError]:
    if provider == "twilio":
        assert isinstance(code, int)
        return twilio_errors.error_rule(code, http_status).error
    if provider == "vonage":
        assert isinstance(code, str)
        return vonage_errors.error_rule(code, http_status).error
    return plivo_errors.error_rule(http_status).error


def _documented(provider: str, code: object) -> bool:
    tables: dict[str, Collection[object]] = {
        "twilio": twilio_errors.ERRORS.keys(),
        "vonage": vonage_errors.SEND_ERRORS.keys(),
        "plivo": plivo_errors.ERRORS.keys(),
    }
    return code in tables[provider]


def _cases() -> Iterator[object]:
    for provider in ANSWERS:
        for rejection in Rejection:
            if rejection not in NEVER_ANSWERED[provider]:
                yield pytest.param(
                    provider, rejection, id=f"{provider}-{rejection.code}"
                )


@pytest.mark.parametrize(("provider", "rejection"), list(_cases()))
def test_a_refusal_means_the_same_everywhere(
    provider: str, rejection: Rejection
) -> None:
    """Sandbox refusal -> the dialect's code -> the provider table's exception."""
    code, http_status = ANSWERS[provider](rejection)
    sandbox_error = sandbox_api._ERRORS.get(rejection.code, ProviderError)
    meant = _meaning(provider, code, http_status)
    difference = DIFFERENCES.get((provider, rejection))
    if difference is None:
        assert sandbox_error is meant, f"{provider} answers {code!r}"
    else:
        assert (difference[0], True) == (meant, meant is not sandbox_error)
    assert _documented(provider, code) != (code in UNDOCUMENTED[provider])


def test_the_sandbox_client_knows_every_refusal() -> None:
    """The sandbox's client maps every refusal; OptedOut stays distinct."""
    assert OptedOut is sandbox_api._ERRORS[Rejection.OPTED_OUT.code]
    assert set() == {r for r in Rejection if r.code not in sandbox_api._ERRORS}


# -- status words -------------------------------------------------------------


def _record(status: Status) -> SandboxRecord:
    state = SandboxState(start=START)
    record = state.submit(to=GOOD_TO, body="Hi")
    record.status = status
    return record


def _twilio_words() -> Iterator[tuple[Status, str]]:
    """Every (status meant, word shown) the Twilio dialect renders."""
    dialect = TwilioDialect(SandboxState(start=START), CREDENTIALS)
    for status in Status:
        record = _record(status)
        for service in (None, "MG0123"):
            meta = _twilio._Meta(sid="SM1", messaging_service_sid=service)
            yield status, dialect.message_json(record, meta)["status"]
        yield status, _twilio.STATUS_WORDS[status]  # status callbacks


def _vonage_words() -> Iterator[tuple[Status, str]]:
    """Every (status meant, word shown) in Vonage receipts and reports."""
    dialect = VonageDialect(SandboxState(start=START), CREDENTIALS)
    yield from _vonage.DLR_STATUS.items()  # receipts
    for status in set(Status) - _vonage.UNREACHABLE:
        yield status, dialect._report_json(_record(status), "P1", False)["status"]


def _plivo_words() -> Iterator[tuple[Status, str]]:
    """Every (status meant, word shown) in Plivo MDRs and status callbacks."""
    dialect = PlivoDialect(SandboxState(start=START), CREDENTIALS)
    for status in set(Status) - _plivo.UNREACHABLE:
        yield status, dialect.mdr(_record(status), "u1")["message_state"]
        yield status, _plivo.STATUS_WORDS[status]  # status callbacks


def _statuses(provider: str) -> dict[str, Status]:
    wire = WIRES[provider]
    table = wire.DLR_STATUSES if provider == "vonage" else wire.STATUSES
    assert isinstance(table, dict)
    return table


@pytest.mark.parametrize(
    ("provider", "words"),
    [("twilio", _twilio_words), ("vonage", _vonage_words), ("plivo", _plivo_words)],
)
def test_every_word_shown_reads_back(
    provider: str, words: Callable[[], Iterator[tuple[Status, str]]]
) -> None:
    """forward(shown(status)) is the status, or a documented collapse."""
    statuses = _statuses(provider)
    collapsed: dict[Status, str] = WIRES[provider].COLLAPSED
    wrong = [
        (status, word)
        for status, word in words()
        if statuses.get(word) is not status and collapsed.get(status) != word
    ]
    assert [] == wrong


@pytest.mark.parametrize("provider", ["twilio", "vonage", "plivo"])
def test_collapses_are_real_collapses(provider: str) -> None:
    """A collapse names a known word that reads back as another status."""
    statuses = _statuses(provider)
    for status, word in WIRES[provider].COLLAPSED.items():
        assert word in statuses
        assert statuses[word] is not status


# -- delivery error codes -----------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "shown", "table"),
    [
        ("twilio", "DELIVERY_CODES", twilio_errors.DELIVERY_ERRORS),
        ("vonage", "DELIVERY_CODES", vonage_errors.DELIVERY_ERRORS),
        ("plivo", "DELIVERY_CODES", plivo_errors.DELIVERY_ERRORS),
    ],
)
def test_every_sandbox_delivery_error_has_a_documented_code(
    provider: str, shown: str, table: dict[object, object]
) -> None:
    """Each dialect maps every sandbox delivery error to a code its provider lists."""
    dialects = {"twilio": _twilio, "vonage": _vonage, "plivo": _plivo}
    codes: dict[str, str] = getattr(dialects[provider], shown)
    assert {error.value for error in DeliveryError} == set(codes)
    keys = {str(key) for key in table}
    undocumented = {code for code in codes.values() if code not in keys}
    # Twilio's "validity period expired" (30036) is not in providers.md.
    assert ({"30036"} if provider == "twilio" else set()) == undocumented


# -- the tables themselves ----------------------------------------------------


def test_wire_modules_export_what_they_say() -> None:
    for wire in WIRES.values():
        assert all(hasattr(wire, name) for name in wire.__all__)


def test_the_emulator_filters_what_the_wire_names() -> None:
    """Plivo's time filters and Twilio's list filters, as the emulator reads them."""
    assert set(plivo_wire.TIME_FILTERS) == set(_plivo._TIME_FILTERS)
    assert set(plivo_wire.TIME_FILTERS) <= set(plivo_wire.LIST_FILTERS)


def test_each_provider_package_exports_its_configuration_class() -> None:
    exported = [list(package.__all__) for package in PROVIDERS]
    assert [["Twilio"], ["Vonage"], ["Plivo"]] == exported
