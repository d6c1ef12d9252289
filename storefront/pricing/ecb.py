"""ECB euro foreign exchange reference rates: the XML files and cross rates.

Pure. The European Central Bank publishes its reference rates at
https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml (the latest
day) and ``eurofxref-hist-90d.xml`` / ``eurofxref-hist.xml`` (many days,
newest first)::

    <gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
                     xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
      <gesmes:subject>Reference rates</gesmes:subject>
      <Cube>
        <Cube time='2026-10-08'>
          <Cube currency='USD' rate='1.1186'/>
          ...

The ``Cube`` elements live in the *default* namespace of the document, so
they are looked up by their qualified name. A rate is the number of units of
the foreign currency for one euro; the euro itself is never listed and is
implicitly 1. Rates are kept as the exact ``Decimal`` of the attribute text,
never a float.

Parsing is strict: the file is read with a real XML parser, a document with a
DOCTYPE is refused before parsing (no entity expansion, "billion laughs"),
and anything that is not an ECB rate file raises ``InvalidEcbDocument``.
"""
from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

from storefront.pricing.errors import InvalidEcbDocument

GESMES_NS = "http://www.gesmes.org/xml/2002-08-01"
EUROFXREF_NS = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
_ENVELOPE = f"{{{GESMES_NS}}}Envelope"
_CUBE = f"{{{EUROFXREF_NS}}}Cube"

#: Significant digits of a cross rate, rounded half to even.
CROSS_RATE_DIGITS = 10
_CROSS_CONTEXT = Context(prec=CROSS_RATE_DIGITS, rounding=ROUND_HALF_EVEN)

_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class EcbDay:
    """The reference rates of one day: currency code -> units per 1 EUR."""

    date: datetime.date
    rates: dict[str, Decimal]


class _NoDoctypeBuilder(ET.TreeBuilder):
    """Tree builder that aborts at the start of a DOCTYPE declaration.

    Second line of defence behind the byte check in ``parse_ecb`` (which
    cannot see a DOCTYPE in, say, a UTF-16 document): expat reports the
    declaration before reading its internal subset, so no entity is ever
    declared, let alone expanded.
    """

    def doctype(self, name: str, pubid: str | None, system: str | None) -> None:
        raise InvalidEcbDocument(reason="a DOCTYPE is not allowed")


def _fail(reason: str) -> InvalidEcbDocument:
    return InvalidEcbDocument(reason=reason)


def _parse_date(text: str | None) -> datetime.date:
    if text is None:
        raise _fail("a dated Cube has no time attribute")
    # Exactly YYYY-MM-DD; date.fromisoformat alone would also take 20261008
    # or 2026-W41-4.
    if (
        len(text) != 10
        or text[4] != "-"
        or text[7] != "-"
        or not set(text[:4] + text[5:7] + text[8:]) <= _DIGITS
    ):
        raise _fail(f"bad date {text!r}")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise _fail(f"bad date {text!r}") from None


def _parse_currency(text: str | None) -> str:
    if text is None or len(text) != 3 or not all("A" <= c <= "Z" for c in text):
        raise _fail(f"bad currency code {text!r}")
    if text == "EUR":
        raise _fail("EUR cannot have a rate against itself")
    return text


def _parse_rate(text: str | None, currency: str) -> Decimal:
    # Plain positional decimals only, as the ECB writes them ("170.52"):
    # Decimal() alone would also take "1e3", "1_000", " 1.5 ", "Infinity".
    whole, dot, fraction = (text or "").partition(".")
    if not whole or not set(whole) <= _DIGITS or (dot and (not fraction or not set(fraction) <= _DIGITS)):
        raise _fail(f"bad rate {text!r} for {currency}")
    try:
        rate = Decimal(text)  # type: ignore[arg-type]
    except InvalidOperation:  # pragma: no cover - the check above is stricter
        raise _fail(f"bad rate {text!r} for {currency}") from None
    if not rate.is_finite() or rate <= 0:
        raise _fail(f"rate {text!r} for {currency} is not positive")
    return rate


def _parse_day(cube: ET.Element) -> EcbDay:
    date = _parse_date(cube.get("time"))
    rates: dict[str, Decimal] = {}
    for entry in cube.iterfind(_CUBE):
        currency = _parse_currency(entry.get("currency"))
        if currency in rates:
            raise _fail(f"duplicate currency {currency} on {date.isoformat()}")
        rates[currency] = _parse_rate(entry.get("rate"), currency)
    if not rates:
        raise _fail(f"no rates on {date.isoformat()}")
    return EcbDay(date=date, rates=rates)


def parse_ecb(xml_bytes: bytes) -> list[EcbDay]:
    """Every dated ``Cube`` of an ECB reference rate file, newest first.

    Raises ``InvalidEcbDocument`` (``reason`` is short English text) when the
    bytes are not XML, carry a DOCTYPE, have another root element or
    namespace, hold no dated ``Cube``, a bad date, a date twice, a currency
    that is not three upper-case letters (or is EUR), the same currency twice
    in a day, or a rate that is not a positive finite plain decimal.
    """
    if b"<!doctype" in bytes(xml_bytes).lower():
        raise _fail("a DOCTYPE is not allowed")
    parser = ET.XMLParser(target=_NoDoctypeBuilder())
    try:
        parser.feed(xml_bytes)
        root = parser.close()
    except ET.ParseError as exc:
        raise _fail(f"not well-formed XML ({exc})") from None
    except (LookupError, UnicodeError) as exc:  # expat: "unknown encoding: ..."
        raise _fail(f"unreadable XML ({exc})") from None
    if root.tag != _ENVELOPE:
        raise _fail(f"unexpected root element {root.tag!r}")

    days: dict[datetime.date, EcbDay] = {}
    for outer in root.iterfind(_CUBE):
        for cube in outer.iterfind(_CUBE):
            day = _parse_day(cube)
            if day.date in days:
                raise _fail(f"duplicate date {day.date.isoformat()}")
            days[day.date] = day
    if not days:
        raise _fail("no dated Cube element")
    return sorted(days.values(), key=lambda day: day.date, reverse=True)


def _rate(day: EcbDay, code: str) -> Decimal:
    if code == "EUR":
        return Decimal(1)
    try:
        return day.rates[code]
    except KeyError:
        raise LookupError(f"no ECB rate for {code}") from None


def cross_rate(day: EcbDay, base: str, quote: str) -> Decimal:
    """Units of ``quote`` for one ``base`` on ``day``.

    ``rate[quote] / rate[base]`` with EUR at 1, correctly rounded in one step
    to ``CROSS_RATE_DIGITS`` (10) significant digits, half to even (the
    unbiased rule for a rate that is not itself a price). An exact quotient
    keeps its own digits: EUR -> USD is the published ``1.1186``. Raises
    ``LookupError`` when the day has no rate for either currency.
    """
    return _CROSS_CONTEXT.divide(_rate(day, quote), _rate(day, base))


__all__ = [
    "CROSS_RATE_DIGITS",
    "EcbDay",
    "InvalidEcbDocument",
    "cross_rate",
    "parse_ecb",
]
