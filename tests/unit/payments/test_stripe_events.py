"""stripe_events: Stripe's event JSON -> typed PaymentEvents, on literal dicts."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import Money
from storefront.payments.errors import InvalidWebhookSignature
from storefront.payments.gateway import (
    ChargeRefunded,
    MinorUnits,
    PaymentCanceled,
    PaymentEvent,
    PaymentFailed,
    PaymentSucceeded,
    ProviderRefund,
    UnhandledEvent,
)
from storefront.payments.stripe_events import MAX_AMOUNT, parse_event, parse_payload

HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "charge.refunded")


def event(type: str, obj: Any, event_id: str = "evt_1") -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": type, "created": 1_800_000_000, "livemode": False,
            "data": {"object": obj}}


def m(amount: str, currency: str) -> Money:
    return Money(Decimal(amount), currency)


# --- payment_intent.* ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "amount"),
    [
        ({"amount": 1999, "amount_received": 1999, "currency": "eur"}, m("19.99", "EUR")),
        ({"amount": 1980, "amount_received": 1980, "currency": "jpy"}, m("1980", "JPY")),
        ({"amount": 12350, "amount_received": 12350, "currency": "kwd"}, m("12.350", "KWD")),
        ({"amount": 500, "amount_received": 500, "currency": "isk"}, m("5", "ISK")),  # two-decimal on the wire
        ({"amount": 1999, "amount_received": 1999, "currency": "EUR"}, m("19.99", "EUR")),
        ({"amount": 2000, "amount_received": 1500, "currency": "usd"}, m("15.00", "USD")),  # what was received
        ({"amount": 1999, "amount_received": 0, "currency": "eur"}, m("19.99", "EUR")),
        ({"amount": 1999, "currency": "eur"}, m("19.99", "EUR")),  # localstripe sends no amount_received
        ({"amount": 1999, "amount_received": 1999}, MinorUnits(1999)),  # no currency named
        ({"amount": 1999, "amount_received": 1999, "currency": None}, MinorUnits(1999)),
        ({"amount": MAX_AMOUNT, "currency": "jpy"}, m(str(MAX_AMOUNT), "JPY")),
    ],
)
def test_payment_succeeded(obj: dict[str, Any], amount: Money | MinorUnits) -> None:
    parsed = parse_event(event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent", **obj}))
    assert parsed == PaymentSucceeded("evt_1", "payment_intent.succeeded", "pi_1", amount)
    assert type(parsed.amount) is type(amount)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"code": "card_declined", "message": "Your card was declined."}, "card_declined"),
        ({"code": None, "message": "Your card was declined."}, "Your card was declined."),
        ({"code": 402, "message": "Declined"}, "Declined"),
        ({}, "failed"),
        (None, "failed"),
        ("card_declined", "failed"),
    ],
)
def test_payment_failed(error: Any, expected: str) -> None:
    parsed = parse_event(event("payment_intent.payment_failed", {"id": "pi_1", "last_payment_error": error}))
    assert parsed == PaymentFailed("evt_1", "payment_intent.payment_failed", "pi_1", expected)


def test_payment_failed_without_an_error() -> None:
    assert parse_event(event("payment_intent.payment_failed", {"id": "pi_1"})) == PaymentFailed(
        "evt_1", "payment_intent.payment_failed", "pi_1", "failed"
    )


def test_payment_canceled() -> None:
    obj = {"id": "pi_1", "object": "payment_intent", "status": "canceled", "cancellation_reason": "abandoned"}
    assert parse_event(event("payment_intent.canceled", obj)) == PaymentCanceled("evt_1", "payment_intent.canceled", "pi_1")


# --- charge.refunded ----------------------------------------------------------------


def charge(**fields: Any) -> dict[str, Any]:
    return {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount": 1980, "currency": "jpy", **fields}


def test_charge_refunded_with_its_refunds() -> None:
    obj = charge(amount_refunded=1500, refunds={"object": "list", "has_more": False, "data": [
        {"id": "re_1", "object": "refund", "amount": 1000, "currency": "jpy", "status": "succeeded",
         "reason": "requested_by_customer"},
        {"id": "re_2", "object": "refund", "amount": 500, "currency": "jpy", "status": "pending", "reason": None},
    ]})
    assert parse_event(event("charge.refunded", obj)) == ChargeRefunded(
        "evt_1", "charge.refunded", "pi_1", m("1500", "JPY"),
        (ProviderRefund("re_1", m("1000", "JPY"), "succeeded", "requested_by_customer"),
         ProviderRefund("re_2", m("500", "JPY"), "pending", None)),
    )


@pytest.mark.parametrize(
    ("fields", "refunded", "refunds"),
    [
        ({"amount_refunded": 1980}, m("1980", "JPY"), ()),  # API versions since 2022-11-15 list no refunds
        ({"amount_refunded": 1980, "refunds": None}, m("1980", "JPY"), ()),
        ({"amount_refunded": 1980, "refunds": {"data": None}}, m("1980", "JPY"), ()),
        ({"amount_refunded": None}, m("0", "JPY"), ()),
        ({}, m("0", "JPY"), ()),
        ({"payment_intent": {"id": "pi_1", "object": "payment_intent"}, "amount_refunded": 10}, m("10", "JPY"), ()),
        # a refund is in its charge's currency; without an id it is not one Stripe listed
        ({"amount_refunded": 10, "refunds": {"data": [{"id": "re_1", "amount": 10}, {"amount": 5}, {"id": None}]}},
         m("10", "JPY"), (ProviderRefund("re_1", m("10", "JPY"), "succeeded", None),)),
        ({"amount_refunded": 10, "refunds": {"data": [{"id": "re_1", "amount": 10, "status": 3, "reason": ""}]}},
         m("10", "JPY"), (ProviderRefund("re_1", m("10", "JPY"), "succeeded", None),)),
        ({"amount_refunded": 10, "refunds": {"data": [{"id": "re_1", "amount": None}]}},
         m("10", "JPY"), (ProviderRefund("re_1", m("0", "JPY"), "succeeded", None),)),
    ],
)
def test_charge_refunded(fields: dict[str, Any], refunded: Money, refunds: tuple[ProviderRefund, ...]) -> None:
    assert parse_event(event("charge.refunded", charge(**fields))) == ChargeRefunded(
        "evt_1", "charge.refunded", "pi_1", refunded, refunds
    )


def test_charge_refunded_in_kwd() -> None:
    obj = charge(currency="kwd", amount=12350, amount_refunded=2470,
                 refunds={"data": [{"id": "re_1", "amount": 2470, "currency": "kwd", "status": "succeeded"}]})
    assert parse_event(event("charge.refunded", obj)) == ChargeRefunded(
        "evt_1", "charge.refunded", "pi_1", m("2.470", "KWD"), (ProviderRefund("re_1", m("2.470", "KWD"), "succeeded"),)
    )


def test_a_charge_naming_no_currency_takes_its_refunds_one() -> None:
    obj = charge(currency=None, amount_refunded=1000, refunds={"data": [{"id": "re_1", "amount": 1000, "currency": "eur"}]})
    assert parse_event(event("charge.refunded", obj)).refunded == m("10.00", "EUR")


def test_a_charge_and_refunds_naming_no_currency_are_minor_units() -> None:
    obj = {"id": "ch_1", "payment_intent": "pi_1", "amount_refunded": 500, "refunds": {"data": [{"id": "re_1", "amount": 500}]}}
    assert parse_event(event("charge.refunded", obj)) == ChargeRefunded(
        "evt_1", "charge.refunded", "pi_1", MinorUnits(500), (ProviderRefund("re_1", MinorUnits(500), "succeeded"),)
    )
    assert MinorUnits(500).in_currency("JPY") == m("500", "JPY")
    assert MinorUnits(500).in_currency("KWD") == m("0.500", "KWD")


# --- other types, unusable objects ---------------------------------------------------


@pytest.mark.parametrize(
    ("type", "obj", "intent_id"),
    [
        ("customer.created", {"id": "cus_1", "object": "customer"}, None),
        ("payment_intent.created", {"id": "pi_1", "object": "payment_intent"}, "pi_1"),
        ("charge.succeeded", {"id": "ch_1", "object": "charge", "payment_intent": "pi_1"}, "pi_1"),
        ("refund.updated", {"id": "re_1", "object": "refund", "payment_intent": {"id": "pi_1"}}, "pi_1"),
        ("charge.dispute.created", {"id": "dp_1", "payment_intent": 7}, None),
    ],
)
def test_other_types_are_unhandled(type: str, obj: dict[str, Any], intent_id: str | None) -> None:
    assert parse_event(event(type, obj)) == UnhandledEvent("evt_1", type, intent_id)


@pytest.mark.parametrize(
    ("type", "obj", "intent_id", "problem"),
    [
        ("payment_intent.succeeded", {"id": "pi_1", "amount_received": "abc", "currency": "eur"}, "pi_1",
         "amount_received is not an amount in minor units"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount_received": 19.99, "currency": "eur"}, "pi_1",
         "amount_received is not an amount in minor units"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount_received": True, "currency": "eur"}, "pi_1",
         "amount_received is not an amount in minor units"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount_received": -100, "currency": "eur"}, "pi_1",
         "amount_received is not an amount in minor units"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount_received": MAX_AMOUNT + 1, "currency": "eur"}, "pi_1",
         "amount_received is not an amount in minor units"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount_received": 10**40, "currency": "eur"}, "pi_1",
         "amount_received is not an amount in minor units"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount_received": [1999], "currency": "eur"}, "pi_1",
         "amount_received is not an amount in minor units"),
        ("payment_intent.succeeded", {"id": "pi_1", "currency": "eur"}, "pi_1", "no amount received"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount": 0, "amount_received": 0, "currency": "eur"}, "pi_1",
         "no amount received"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount": 100, "currency": "xyz"}, "pi_1",
         "currency XYZ is not a known currency"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount": 100, "currency": "euro"}, "pi_1",
         "currency is not a currency code"),
        ("payment_intent.succeeded", {"id": "pi_1", "amount": 100, "currency": 978}, "pi_1",
         "currency is not a currency code"),
        ("payment_intent.succeeded", {"id": "p" * 256, "amount": 100, "currency": "eur"}, None, "id is not an id"),
        ("payment_intent.succeeded", {"amount": 100, "currency": "eur"}, None, "id is not an id"),
        ("payment_intent.canceled", {"id": ""}, None, "id is not an id"),
        ("payment_intent.payment_failed", {"id": {"id": "pi_1"}}, None, "id is not an id"),
        ("charge.refunded", {"id": "ch_1", "amount_refunded": 100, "currency": "eur"}, None,
         "payment_intent is not an id"),
        ("charge.refunded", {"payment_intent": "p" * 256, "amount_refunded": 100}, None, "payment_intent is not an id"),
        ("charge.refunded", {"payment_intent": "pi_1", "amount_refunded": "100"}, "pi_1",
         "amount_refunded is not an amount in minor units"),
        ("charge.refunded", {"payment_intent": "pi_1", "refunds": [{"id": "re_1"}]}, "pi_1",
         "refunds.data is not a list of refunds"),
        ("charge.refunded", {"payment_intent": "pi_1", "refunds": {"data": {"id": "re_1"}}}, "pi_1",
         "refunds.data is not a list of refunds"),
        ("charge.refunded", {"payment_intent": "pi_1", "refunds": {"data": ["re_1"]}}, "pi_1",
         "refunds.data is not a list of refunds"),
        ("charge.refunded", {"payment_intent": "pi_1", "refunds": {"data": [{"id": "r" * 256, "amount": 1}]}}, "pi_1",
         "refund id is not an id"),
        ("charge.refunded", {"payment_intent": "pi_1", "refunds": {"data": [{"id": 5, "amount": 1}]}}, "pi_1",
         "refund id is not an id"),
        ("charge.refunded", {"payment_intent": "pi_1", "refunds": {"data": [{"id": "re_1", "amount": "abc"}]}}, "pi_1",
         "refund amount is not an amount in minor units"),
        ("charge.refunded", {"payment_intent": "pi_1", "currency": "eur",
                             "refunds": {"data": [{"id": "re_1", "amount": 1, "currency": "usd"}]}}, "pi_1",
         "refunds in several currencies: EUR, USD"),
        ("charge.refunded", {"payment_intent": "pi_1", "refunds": {"data": [{"id": "re_1", "currency": "zzz"}]}}, "pi_1",
         "refund currency ZZZ is not a known currency"),
    ],
)
def test_unusable_objects_are_unhandled_with_the_problem(
    type: str, obj: dict[str, Any], intent_id: str | None, problem: str
) -> None:
    assert parse_event(event(type, obj)) == UnhandledEvent("evt_1", type, intent_id, problem)


def test_ids_up_to_255_characters() -> None:
    long_id = "evt_" + "x" * 251
    obj = {"id": "pi_" + "y" * 252, "amount": 100, "currency": "eur"}
    assert parse_event(event("payment_intent.succeeded", obj, long_id)) == PaymentSucceeded(
        long_id, "payment_intent.succeeded", obj["id"], m("1.00", "EUR")
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "evt_1",
        {},
        {"type": "payment_intent.succeeded", "data": {"object": {}}},
        {"id": "e" * 256, "type": "payment_intent.succeeded", "data": {"object": {}}},
        {"id": "", "type": "payment_intent.succeeded", "data": {"object": {}}},
        {"id": 1, "type": "payment_intent.succeeded", "data": {"object": {}}},
        {"id": "evt_1", "data": {"object": {}}},
        {"id": "evt_1", "type": ["payment_intent.succeeded"], "data": {"object": {}}},
        {"id": "evt_1", "type": "t" * 256, "data": {"object": {}}},
        {"id": "evt_1", "type": "payment_intent.succeeded"},
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": "pi_1"},
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": "pi_1"}},
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": ["pi_1"]}},
        {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": None}},
    ],
)
def test_what_is_not_an_event_is_refused(data: Any) -> None:
    with pytest.raises(InvalidWebhookSignature):
        parse_event(data)


def test_parse_payload() -> None:
    body = json.dumps(event("payment_intent.canceled", {"id": "pi_1"}))
    expected = PaymentCanceled("evt_1", "payment_intent.canceled", "pi_1")
    assert parse_payload(body) == parse_payload(body.encode()) == expected


@pytest.mark.parametrize("payload", [b"", b"{not json", b"\xff\xfe", "[" * 100_000, b"NaN", b'"evt_1"'])
def test_payloads_that_are_not_events_are_refused(payload: bytes | str) -> None:
    with pytest.raises(InvalidWebhookSignature):
        parse_payload(payload)


# --- never anything else -------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["id", "object", "amount", "amount_received", "amount_refunded", "currency", "payment_intent",
                        "last_payment_error", "refunds", "data", "code", "message", "status", "reason"])
currencies = st.sampled_from(["eur", "JPY", "kwd", "isk", "xyz", "", "EURO"])
fields = st.one_of(json_values, currencies, st.integers(min_value=-1, max_value=MAX_AMOUNT + 1))
objects = st.recursive(
    st.dictionaries(keys, fields, max_size=8),
    lambda children: st.dictionaries(keys, fields | children | st.lists(children, max_size=3), max_size=8),
    max_leaves=30,
)


@given(type=st.sampled_from(HANDLED + ("refund.updated",)), obj=objects, event_id=st.text(max_size=300))
def test_any_object_is_an_event_or_refused(type: str, obj: dict[str, Any], event_id: str) -> None:
    try:
        parsed = parse_event(event(type, obj, event_id))
    except InvalidWebhookSignature:
        assert not 0 < len(event_id) <= 255
        return
    assert isinstance(parsed, PaymentEvent)
    assert (parsed.event_id, parsed.type) == (event_id, type)


@given(data=json_values)
def test_any_json_is_an_event_or_refused(data: Any) -> None:
    try:
        parsed = parse_event(data)
    except InvalidWebhookSignature:
        return
    assert isinstance(parsed, PaymentEvent)
