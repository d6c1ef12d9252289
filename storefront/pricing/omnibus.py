"""EU Omnibus "prior price": the lowest price of the days before a reduction.

Pure. Directive 98/6/EC (Price Indication Directive), Art. 6a, inserted by
Directive (EU) 2019/2161 ("Omnibus"): any announcement of a price reduction
shall indicate the prior price applied by the trader for a determined period
of time prior to the application of the price reduction, the prior price
being the lowest price applied during a period of not less than 30 days prior
to the application of the reduction. (Member States may allow a shorter
period for perishable goods or goods on the market for less than 30 days,
hence the ``days`` parameter.)

A product's price history is two sets of periods, each half-open
``[starts_at, ends_at)`` (``ends_at`` ``None`` = still in force), in aware
UTC datetimes:

- *regular* periods: the list price;
- *sales*: announced reductions. A sale in force wins over the regular price,
  even if it is higher; overlapping sales show the lowest of them.

Overlapping regular periods are a data error; they also resolve to the
lowest, the conservative choice for a prior price.

The visible price only changes where a period starts or ends, so the lowest
price of a window is found exactly by evaluating the visible price once per
segment between consecutive breakpoints, never by sampling.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

#: The Directive's minimum look-back period, in days.
OMNIBUS_DAYS = 30


@dataclass(frozen=True)
class PricePeriod:
    """``amount`` in force over ``[starts_at, ends_at)``; ``ends_at`` ``None`` = open-ended."""

    amount: Decimal
    starts_at: datetime  # aware, UTC
    ends_at: datetime | None = None  # aware, UTC; exclusive

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite() or self.amount < 0:
            raise ValueError(f"amount must be a finite, non-negative Decimal, not {self.amount!r}")
        for moment in (self.starts_at, self.ends_at):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError(f"naive datetime {moment!r}: use an aware UTC datetime")
        if self.ends_at is not None and self.ends_at < self.starts_at:
            raise ValueError(f"period ends ({self.ends_at}) before it starts ({self.starts_at})")

    def in_force_at(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


def _lowest_in_force(periods: Iterable[PricePeriod], at: datetime) -> Decimal | None:
    return min((p.amount for p in periods if p.in_force_at(at)), default=None)


def visible_price_at(regular: Sequence[PricePeriod], sales: Sequence[PricePeriod], at: datetime) -> Decimal | None:
    """The price a shopper saw at ``at``.

    The lowest sale in force, else the (lowest) regular price in force, else
    ``None`` when nothing was on offer.
    """
    sale = _lowest_in_force(sales, at)
    return sale if sale is not None else _lowest_in_force(regular, at)


def lowest_price(
    regular: Sequence[PricePeriod],
    sales: Sequence[PricePeriod],
    window_start: datetime,
    window_end: datetime,
) -> Decimal | None:
    """The lowest visible price at any instant of ``[window_start, window_end)``.

    ``None`` when no price was visible anywhere in the window (or the window
    is empty). Exact: the breakpoints are the window start plus every period
    start and end strictly inside the window; the visible price is constant
    on each segment between consecutive breakpoints, so it is evaluated once,
    at each segment's start.
    """
    if window_start >= window_end:
        return None
    breakpoints = {window_start}
    for period in (*regular, *sales):
        for moment in (period.starts_at, period.ends_at):
            if moment is not None and window_start < moment < window_end:
                breakpoints.add(moment)
    return min(
        (price for at in breakpoints if (price := visible_price_at(regular, sales, at)) is not None),
        default=None,
    )


def prior_price(
    regular: Sequence[PricePeriod],
    sales: Sequence[PricePeriod],
    reduction_starts_at: datetime,
    days: int = OMNIBUS_DAYS,
) -> Decimal | None:
    """The prior price to show next to a reduction starting at ``reduction_starts_at``.

    The lowest visible price over ``[reduction_starts_at - days,
    reduction_starts_at)`` (Art. 6a(2) PID). The window ends where the
    reduction starts, so the reduction itself never counts; earlier sales
    inside the window do. When the product was on offer for only part of the
    window, the lowest of what was visible is returned; ``None`` when no
    price was visible at all in the window.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days!r}")
    return lowest_price(regular, sales, reduction_starts_at - timedelta(days=days), reduction_starts_at)


__all__ = [
    "OMNIBUS_DAYS",
    "PricePeriod",
    "lowest_price",
    "prior_price",
    "visible_price_at",
]
