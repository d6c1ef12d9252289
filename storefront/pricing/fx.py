"""FX rates: importing the ECB reference rates and repricing after a change."""
from __future__ import annotations

from datetime import date, datetime
from urllib.request import urlopen

from sqlalchemy.orm import Session

from storefront.pricing.ecb import EcbDay, parse_ecb
from storefront.pricing.services import RepriceResult, markets_in_currencies, reprice, set_fx_rate

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def read_source(source: str, timeout: float = 20.0) -> bytes:
    """The bytes of a file path or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        with urlopen(source, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            data = response.read(MAX_DOCUMENT_BYTES + 1)
    else:
        with open(source, "rb") as fh:
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{source} is larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def import_ecb(session: Session, xml_bytes: bytes, *, base: str, now: datetime,
               latest_only: bool = False) -> tuple[list[EcbDay], RepriceResult]:
    """Store the ECB rates (EUR per 1 unit is the ECB's base) and reprice the
    markets whose currency got a rate. Only EUR as base currency is supported
    by this source: the ECB publishes euro reference rates."""
    days = parse_ecb(xml_bytes)
    if latest_only:
        days = days[:1]
    if base != "EUR":
        raise ValueError("ECB rates are euro reference rates; BASE_CURRENCY must be EUR to import them")
    currencies: set[str] = set()
    for day in days:
        for quote, rate in day.rates.items():
            set_fx_rate(session, base, quote, rate, day.date, "ecb", now)
            currencies.add(quote)
    result = reprice_currencies(session, currencies, base=base, now=now)
    return days, result


def set_merchant_rate(session: Session, quote: str, rate: object, rate_date: date, *, base: str,
                      now: datetime) -> RepriceResult:
    set_fx_rate(session, base, quote, rate, rate_date, "merchant", now)
    return reprice_currencies(session, {quote.upper()}, base=base, now=now)


def reprice_currencies(session: Session, currencies: set[str], *, base: str, now: datetime) -> RepriceResult:
    markets = markets_in_currencies(session, currencies)
    if not markets:
        return RepriceResult()
    return reprice(session, base_currency=base, now=now, market_codes=markets)
