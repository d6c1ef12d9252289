from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storefront.pricing.omnibus import OMNIBUS_DAYS, PricePeriod, lowest_price, prior_price, visible_price_at


def P(amount: str, starts_at: datetime, ends_at: datetime | None = None) -> PricePeriod:
    return PricePeriod(Decimal(amount), starts_at, ends_at)


# The reduction being announced starts on 8 October 2026 at midnight UTC; the
# 30-day window is [2026-09-08 00:00, 2026-10-08 00:00).
R = datetime(2026, 10, 8, tzinfo=UTC)
REDUCTION = P("39.90", R)  # open-ended: the sale being announced
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)

CASES = {
    "constant regular price": (
        [P("49.90", LONG_AGO)],
        [REDUCTION],
        "49.90",
    ),
    "regular price cut inside the window": (
        [P("59.90", LONG_AGO, datetime(2026, 9, 20, tzinfo=UTC)), P("49.90", datetime(2026, 9, 20, tzinfo=UTC))],
        [REDUCTION],
        "49.90",
    ),
    "regular price raised inside the window: the old, lower price counts": (
        [P("44.90", LONG_AGO, datetime(2026, 9, 20, tzinfo=UTC)), P("49.90", datetime(2026, 9, 20, tzinfo=UTC))],
        [REDUCTION],
        "44.90",
    ),
    "regular price raised the instant the window opens": (
        [P("44.90", LONG_AGO, datetime(2026, 9, 8, tzinfo=UTC)), P("49.90", datetime(2026, 9, 8, tzinfo=UTC))],
        [REDUCTION],
        "49.90",
    ),
    "earlier, lower sale inside the window becomes the prior price": (
        [P("49.90", LONG_AGO)],
        [P("34.90", datetime(2026, 9, 12, tzinfo=UTC), datetime(2026, 9, 19, tzinfo=UTC)), REDUCTION],
        "34.90",
    ),
    "earlier sale inside the window, higher than the regular price": (
        [P("49.90", LONG_AGO)],
        [P("54.90", datetime(2026, 9, 12, tzinfo=UTC), datetime(2026, 9, 19, tzinfo=UTC)), REDUCTION],
        "49.90",
    ),
    "sale that ended 31 days before is outside": (
        [P("49.90", LONG_AGO)],
        [P("29.90", datetime(2026, 8, 20, tzinfo=UTC), datetime(2026, 9, 7, tzinfo=UTC)), REDUCTION],
        "49.90",
    ),
    "sale that ended exactly when the window opens is outside (half-open)": (
        [P("49.90", LONG_AGO)],
        [P("29.90", datetime(2026, 8, 20, tzinfo=UTC), datetime(2026, 9, 8, tzinfo=UTC)), REDUCTION],
        "49.90",
    ),
    "sale that ended one second into the window counts": (
        [P("49.90", LONG_AGO)],
        [P("29.90", datetime(2026, 8, 20, tzinfo=UTC), datetime(2026, 9, 8, 0, 0, 1, tzinfo=UTC)), REDUCTION],
        "29.90",
    ),
    "sale that ends exactly when the reduction starts counts": (
        [P("49.90", LONG_AGO)],
        [P("42.00", datetime(2026, 10, 1, tzinfo=UTC), R), REDUCTION],
        "42.00",
    ),
    "regular price only since 10 days before: lowest of what was visible": (
        [P("49.90", datetime(2026, 9, 28, tzinfo=UTC))],
        [REDUCTION],
        "49.90",
    ),
    "new product, price raised after 5 days of a launch price": (
        [
            P("44.90", datetime(2026, 9, 28, tzinfo=UTC), datetime(2026, 10, 3, tzinfo=UTC)),
            P("49.90", datetime(2026, 10, 3, tzinfo=UTC)),
        ],
        [REDUCTION],
        "44.90",
    ),
    "off sale for a while: the gap shows nothing": (
        [
            P("52.00", LONG_AGO, datetime(2026, 9, 15, tzinfo=UTC)),
            P("49.90", datetime(2026, 9, 25, tzinfo=UTC)),
        ],
        [REDUCTION],
        "49.90",
    ),
    "overlapping sales: the lowest shows": (
        [P("49.90", LONG_AGO)],
        [
            P("44.90", datetime(2026, 9, 10, tzinfo=UTC), datetime(2026, 9, 25, tzinfo=UTC)),
            P("42.90", datetime(2026, 9, 15, tzinfo=UTC), datetime(2026, 9, 18, tzinfo=UTC)),
            REDUCTION,
        ],
        "42.90",
    ),
    "overlapping sales both above the regular price still win over it": (
        [P("39.00", LONG_AGO, datetime(2026, 10, 1, tzinfo=UTC)), P("45.00", datetime(2026, 10, 1, tzinfo=UTC))],
        [
            P("47.00", datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
            P("48.00", datetime(2026, 9, 20, tzinfo=UTC), datetime(2026, 10, 1, tzinfo=UTC)),
            REDUCTION,
        ],
        "45.00",
    ),
    "open-ended sale running through the window, deepened at R": (
        [P("49.90", LONG_AGO)],
        [P("44.90", datetime(2026, 9, 1, tzinfo=UTC)), P("34.90", R)],
        "44.90",
    ),
    "open-ended regular price and open-ended reduction only": (
        [P("49.90", datetime(2026, 9, 30, 12, tzinfo=UTC))],
        [P("19.90", R)],
        "49.90",
    ),
    "periods entirely outside the window are ignored": (
        [P("19.90", LONG_AGO, datetime(2026, 3, 1, tzinfo=UTC)), P("49.90", datetime(2026, 3, 1, tzinfo=UTC))],
        [
            P("9.90", datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 8, tzinfo=UTC)),
            REDUCTION,
            P("4.90", datetime(2026, 11, 27, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
        ],
        "49.90",
    ),
    "no price at all before the reduction": (
        [],
        [REDUCTION],
        None,
    ),
    "regular price starts with the reduction": (
        [P("49.90", R)],
        [REDUCTION],
        None,
    ),
    "regular price that ended before the window": (
        [P("49.90", LONG_AGO, datetime(2026, 8, 1, tzinfo=UTC))],
        [REDUCTION],
        None,
    ),
    "free product counts as a price": (
        [P("0", datetime(2026, 9, 9, tzinfo=UTC), datetime(2026, 9, 10, tzinfo=UTC)), P("9.90", LONG_AGO)],
        [REDUCTION],
        "0",
    ),
}


@pytest.mark.parametrize("regular, sales, expected", CASES.values(), ids=CASES.keys())
def test_prior_price(regular, sales, expected):
    assert prior_price(regular, sales, R) == (None if expected is None else Decimal(expected))


def test_prior_price_keeps_the_amount_as_stored():
    assert str(prior_price([P("49.90", LONG_AGO)], [], R)) == "49.90"


def test_default_window_is_thirty_days():
    assert OMNIBUS_DAYS == 30
    regular = [P("49.90", LONG_AGO)]
    sales = [P("29.90", datetime(2026, 9, 7, 23, tzinfo=UTC), datetime(2026, 9, 8, 0, 0, 1, tzinfo=UTC))]
    assert prior_price(regular, sales, R) == Decimal("29.90")
    assert prior_price(regular, sales, R, days=29) == Decimal("49.90")


def test_shorter_period_for_perishable_goods():
    regular = [P("4.99", LONG_AGO)]
    sales = [P("3.49", datetime(2026, 9, 28, tzinfo=UTC), datetime(2026, 9, 30, tzinfo=UTC)), P("3.99", R)]
    assert prior_price(regular, sales, R) == Decimal("3.49")
    assert prior_price(regular, sales, R, days=7) == Decimal("4.99")


@pytest.mark.parametrize("days", [0, -30])
def test_days_must_be_positive(days):
    with pytest.raises(ValueError):
        prior_price([P("49.90", LONG_AGO)], [], R, days=days)


# --- visible_price_at -------------------------------------------------------------

SEPT_10 = datetime(2026, 9, 10, tzinfo=UTC)
SEPT_20 = datetime(2026, 9, 20, tzinfo=UTC)
REGULAR = [P("49.90", LONG_AGO, SEPT_20), P("54.90", SEPT_20)]
SALES = [P("39.90", SEPT_10, SEPT_20), P("44.90", SEPT_10 - timedelta(days=1), SEPT_10 + timedelta(days=1))]


@pytest.mark.parametrize(
    "at, expected",
    [
        (LONG_AGO - timedelta(microseconds=1), None),
        (LONG_AGO, "49.90"),
        (SEPT_10 - timedelta(days=1, microseconds=1), "49.90"),
        (SEPT_10 - timedelta(days=1), "44.90"),  # a sale starts: it wins
        (SEPT_10, "39.90"),  # two sales overlap: the lowest
        (SEPT_10 + timedelta(days=1), "39.90"),
        (SEPT_20 - timedelta(microseconds=1), "39.90"),
        (SEPT_20, "54.90"),  # sale and old regular price end; new regular price, open-ended
        (datetime(2099, 1, 1, tzinfo=UTC), "54.90"),
    ],
)
def test_visible_price_at(at, expected):
    assert visible_price_at(REGULAR, SALES, at) == (None if expected is None else Decimal(expected))


def test_a_sale_wins_even_above_the_regular_price():
    assert visible_price_at([P("10", LONG_AGO)], [P("12", LONG_AGO)], SEPT_10) == Decimal("12")


def test_overlapping_regular_prices_resolve_to_the_lowest():
    assert visible_price_at([P("10", LONG_AGO), P("9", SEPT_10)], [], SEPT_20) == Decimal("9")


def test_visible_price_across_time_zones():
    zurich = datetime(2026, 9, 20, 2, tzinfo=ZoneInfo("Europe/Zurich"))  # 00:00 UTC
    assert visible_price_at(REGULAR, [], zurich) == Decimal("54.90")
    assert visible_price_at(REGULAR, [], zurich - timedelta(microseconds=1)) == Decimal("49.90")


# --- lowest_price -------------------------------------------------------------------


def test_lowest_price_of_empty_or_reversed_window_is_none():
    assert lowest_price(REGULAR, SALES, SEPT_10, SEPT_10) is None
    assert lowest_price(REGULAR, SALES, SEPT_20, SEPT_10) is None


def test_lowest_price_sees_a_one_microsecond_sale():
    blip = P("1.00", SEPT_10, SEPT_10 + timedelta(microseconds=1))
    assert lowest_price(REGULAR, [blip], LONG_AGO, R) == Decimal("1.00")
    assert lowest_price(REGULAR, [blip], SEPT_10 + timedelta(microseconds=1), R) == Decimal("49.90")


def test_lowest_price_window_is_half_open():
    assert lowest_price(REGULAR, [], SEPT_20, R) == Decimal("54.90")
    assert lowest_price(REGULAR, [], SEPT_10, SEPT_20) == Decimal("49.90")
    assert lowest_price(REGULAR, [], SEPT_10, SEPT_20 + timedelta(microseconds=1)) == Decimal("49.90")
    assert lowest_price(REGULAR, [], SEPT_20 - timedelta(microseconds=1), R) == Decimal("49.90")


# --- PricePeriod ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, starts_at, ends_at",
    [
        (Decimal("-0.01"), LONG_AGO, None),
        (Decimal("NaN"), LONG_AGO, None),
        (Decimal("Infinity"), LONG_AGO, None),
        (49.90, LONG_AGO, None),
        (Decimal("49.90"), datetime(2026, 1, 1), None),
        (Decimal("49.90"), LONG_AGO, datetime(2026, 2, 1)),
        (Decimal("49.90"), SEPT_20, SEPT_10),
    ],
)
def test_invalid_periods(amount, starts_at, ends_at):
    with pytest.raises(ValueError):
        PricePeriod(amount, starts_at, ends_at)


def test_empty_period_is_never_in_force():
    empty = P("1.00", SEPT_10, SEPT_10)
    assert visible_price_at(REGULAR, [empty], SEPT_10) == Decimal("49.90")
    assert lowest_price(REGULAR, [empty], LONG_AGO, R) == Decimal("49.90")


# --- properties ------------------------------------------------------------------------

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_HOURS = 90 * 24


def moments(unit: timedelta, span: int) -> st.SearchStrategy[datetime]:
    return st.integers(0, span).map(lambda n: EPOCH + n * unit)


amounts = st.integers(0, 9999).map(lambda cents: Decimal(cents).scaleb(-2))


@st.composite
def periods(draw, unit: timedelta = timedelta(seconds=1), span: int = SPAN_HOURS * 3600) -> PricePeriod:
    starts_at = draw(moments(unit, span))
    length = draw(st.none() | st.integers(0, span // 2))
    return PricePeriod(draw(amounts), starts_at, None if length is None else starts_at + length * unit)


def history(unit: timedelta = timedelta(seconds=1), span: int = SPAN_HOURS * 3600):
    ps = st.lists(periods(unit, span), max_size=5)
    return st.tuples(ps, ps, moments(unit, span), st.integers(1, 40))


def breakpoint_brute_force(regular, sales, start, end):
    candidates = [start] + [
        moment
        for p in (*regular, *sales)
        for moment in (p.starts_at, p.ends_at)
        if moment is not None and start <= moment < end
    ]
    seen = [price for at in candidates if (price := visible_price_at(regular, sales, at)) is not None]
    return min(seen, default=None)


@given(history())
def test_prior_price_equals_the_visible_price_at_every_breakpoint(case):
    regular, sales, reduction, days = case
    expected = breakpoint_brute_force(regular, sales, reduction - timedelta(days=days), reduction)
    assert prior_price(regular, sales, reduction, days) == expected


@settings(deadline=None)
@given(history(unit=timedelta(hours=1), span=SPAN_HOURS))
def test_prior_price_equals_hourly_sampling_when_everything_changes_on_the_hour(case):
    # Every start and end is on the hour, so sampling each hour is exhaustive.
    regular, sales, reduction, days = case
    hours = range(days * 24)
    seen = [
        price
        for h in hours
        if (price := visible_price_at(regular, sales, reduction - timedelta(days=days) + timedelta(hours=h)))
        is not None
    ]
    assert prior_price(regular, sales, reduction, days) == min(seen, default=None)


@given(history())
def test_prior_price_is_at_most_the_price_just_before_the_reduction(case):
    regular, sales, reduction, days = case
    before = visible_price_at(regular, sales, reduction - timedelta(microseconds=1))
    prior = prior_price(regular, sales, reduction, days)
    if before is not None:
        assert prior is not None and prior <= before


@given(history(), st.data())
def test_a_period_outside_the_window_changes_nothing(case, data):
    regular, sales, reduction, days = case
    window_start = reduction - timedelta(days=days)
    if data.draw(st.booleans(), label="before the window"):
        ends_at = window_start - timedelta(seconds=data.draw(st.integers(0, 10**7), label="ends before"))
        starts_at = ends_at - timedelta(seconds=data.draw(st.integers(0, 10**7), label="length"))
    else:
        starts_at = reduction + timedelta(seconds=data.draw(st.integers(0, 10**7), label="starts after"))
        length = data.draw(st.none() | st.integers(0, 10**7), label="length")
        ends_at = None if length is None else starts_at + timedelta(seconds=length)
    outside = PricePeriod(data.draw(amounts, label="amount"), starts_at, ends_at)
    before = prior_price(regular, sales, reduction, days)
    if data.draw(st.booleans(), label="as a sale"):
        assert prior_price(regular, [*sales, outside], reduction, days) == before
    else:
        assert prior_price([*regular, outside], sales, reduction, days) == before


@given(history())
def test_prior_price_is_one_of_the_amounts(case):
    regular, sales, reduction, days = case
    prior = prior_price(regular, sales, reduction, days)
    assert prior is None or prior in {p.amount for p in (*regular, *sales)}
