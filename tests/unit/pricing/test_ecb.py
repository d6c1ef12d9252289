import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from storefront.errors import StorefrontError
from storefront.pricing.ecb import EcbDay, InvalidEcbDocument, cross_rate, parse_ecb

FIXTURES = Path(__file__).parent / "fixtures"
DAILY = (FIXTURES / "eurofxref-daily.xml").read_bytes()
HIST = (FIXTURES / "eurofxref-hist-90d.xml").read_bytes()

CURRENCIES = (
    "USD JPY CZK DKK GBP HUF PLN RON SEK CHF ISK NOK TRY AUD BRL CAD CNY HKD IDR ILS INR KRW MXN MYR NZD PHP SGD THB ZAR"
).split()

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
    'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
    "<gesmes:subject>Reference rates</gesmes:subject><Cube>"
)
TAIL = "</Cube></gesmes:Envelope>"


def doc(days: str) -> bytes:
    return (HEAD + days + TAIL).encode()


def day(time: str = "2026-10-08", **rates: str) -> str:
    rates = rates or {"USD": "1.1186"}
    return f"<Cube time='{time}'>" + "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in rates.items()) + "</Cube>"


# --- parsing the fixtures ---------------------------------------------------


def test_daily_file():
    (only,) = parse_ecb(DAILY)
    assert only.date == datetime.date(2026, 10, 8)
    assert sorted(only.rates) == sorted(CURRENCIES)
    assert only.rates["USD"] == Decimal("1.1186")
    assert only.rates["JPY"] == Decimal("170.52")
    assert only.rates["IDR"] == Decimal("18521.34")
    assert only.rates["GBP"] == Decimal("0.84215")
    assert all(type(rate) is Decimal for rate in only.rates.values())


def test_rates_keep_the_published_digits():
    (only,) = parse_ecb(DAILY)
    # Exact attribute text, never through a float: trailing zeros survive.
    assert str(only.rates["ISK"]) == "142.60"
    assert str(only.rates["ILS"]) == "3.7420"
    assert str(only.rates["MXN"]) == "20.6120"


def test_kwd_and_bgn_are_not_published():
    (only,) = parse_ecb(DAILY)
    assert "KWD" not in only.rates
    assert "BGN" not in only.rates
    assert "EUR" not in only.rates
    with pytest.raises(LookupError, match="no ECB rate for KWD"):
        cross_rate(only, "EUR", "KWD")


def test_hist_file_newest_first():
    days = parse_ecb(HIST)
    assert [d.date for d in days] == [
        datetime.date(2026, 10, 8),
        datetime.date(2026, 10, 7),
        datetime.date(2026, 10, 6),
    ]
    assert all(sorted(d.rates) == sorted(CURRENCIES) for d in days)
    # The middle day is written on one line in the file.
    assert days[1].rates["USD"] == Decimal("1.1164")
    assert days[1].rates["ZAR"] == Decimal("19.9312")
    assert days[2].rates["JPY"] == Decimal("170.05")
    assert days[0] == parse_ecb(DAILY)[0]


def test_days_are_sorted_newest_first_whatever_the_file_order():
    days = parse_ecb(doc(day("2026-10-06") + day("2026-10-08") + day("2026-10-07")))
    assert [d.date.isoformat() for d in days] == ["2026-10-08", "2026-10-07", "2026-10-06"]


def test_whitespace_and_prefixes_do_not_matter():
    xml = (
        b"<?xml version='1.0'?>\n<e:Envelope xmlns:e='http://www.gesmes.org/xml/2002-08-01' "
        b"xmlns:x='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>\n  <x:Cube>\n"
        b"    <x:Cube time=\"2026-10-08\">\n      <x:Cube rate=\"1.1186\" currency=\"USD\" />\n    </x:Cube>\n"
        b"  </x:Cube>\n</e:Envelope>\n"
    )
    assert parse_ecb(xml) == [EcbDay(datetime.date(2026, 10, 8), {"USD": Decimal("1.1186")})]


# --- cross rates --------------------------------------------------------------


@pytest.fixture
def today() -> EcbDay:
    return parse_ecb(DAILY)[0]


@pytest.mark.parametrize(
    "base, quote, expected",
    [
        ("EUR", "USD", "1.1186"),  # the published rate, digits untouched
        ("EUR", "JPY", "170.52"),
        ("USD", "EUR", "0.8939746111"),  # 1 / 1.1186 = 0.89397461112104...
        ("GBP", "CHF", "1.105741257"),  # 0.9312 / 0.84215 = 1.10574125749...
        ("USD", "JPY", "152.4405507"),  # 170.52 / 1.1186 = 152.44055069...
        ("EUR", "EUR", "1"),
        ("USD", "USD", "1"),
    ],
)
def test_cross_rate(today, base, quote, expected):
    assert str(cross_rate(today, base, quote)) == expected


def test_cross_rate_is_ten_significant_digits_half_even():
    d = EcbDay(
        datetime.date(2026, 10, 8),
        {"AAA": Decimal("1.0000000005"), "BBB": Decimal("1.0000000015"), "CCC": Decimal("3")},
    )
    assert cross_rate(d, "EUR", "AAA") == Decimal("1.000000000")  # tie -> even
    assert cross_rate(d, "EUR", "BBB") == Decimal("1.000000002")  # tie -> even
    assert str(cross_rate(d, "CCC", "EUR")) == "0.3333333333"
    assert str(cross_rate(d, "EUR", "CCC")) == "3"


@pytest.mark.parametrize("base, quote", [("KWD", "USD"), ("USD", "KWD"), ("BGN", "EUR"), ("usd", "EUR")])
def test_cross_rate_missing_currency(today, base, quote):
    missing = base if base != "USD" else quote
    with pytest.raises(LookupError, match=f"no ECB rate for {missing}"):
        cross_rate(today, base, quote)


# --- malformed documents --------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
 xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><gesmes:subject>&lol3;</gesmes:subject>
<Cube><Cube time='2026-10-08'><Cube currency='USD' rate='1.1186'/></Cube></Cube></gesmes:Envelope>"""

MALFORMED = {
    "empty": b"",
    "not xml": b"USD,1.1186\nJPY,170.52\n",
    "html": b"<html><body>Service unavailable</body></html>",
    "truncated": DAILY[: len(DAILY) // 2],
    "json": b'{"USD": 1.1186}',
    "unknown encoding": DAILY.replace(b'encoding="UTF-8"', b'encoding="bogus"'),
    "bytes not in the declared encoding": DAILY.replace(b"Reference rates", b"R\xe9f\xe9rence"),
    "billion laughs": BILLION_LAUGHS,
    "doctype, lower case": b"<!doctype x><x/>",
    "doctype, utf-16": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16"),
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "wrong root": doc(day()).replace(b"gesmes:Envelope", b"gesmes:Letter"),
    "root without namespace": (
        b"<Envelope><Cube><Cube time='2026-10-08'><Cube currency='USD' rate='1.1186'/></Cube></Cube></Envelope>"
    ),
    "wrong gesmes namespace": doc(day()).replace(b"gesmes.org/xml/2002-08-01", b"gesmes.org/xml/2099-01-01"),
    "wrong Cube namespace": doc(day()).replace(b"vocabulary/2002-08-01/eurofxref", b"vocabulary/other"),
    "Cubes without namespace": doc(day()).replace(b' xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"', b""),
    "no Cube": doc(""),
    "outer Cube only": doc("").replace(b"<Cube></Cube>", b"<Cube/>"),
    "dated Cube missing time": doc("<Cube><Cube currency='USD' rate='1.1186'/></Cube>"),
    "day without rates": doc("<Cube time='2026-10-08'/>"),
    "date not a date": doc(day("yesterday")),
    "date out of range": doc(day("2026-02-30")),
    "date month 13": doc(day("2026-13-01")),
    "date compact": doc(day("20261008")),
    "date iso week": doc(day("2026-W41-4")),
    "date with time": doc(day("2026-10-08T16:00")),
    "date not padded": doc(day("2026-1-08")),
    "date twice": doc(day("2026-10-08") + day("2026-10-08")),
    "currency lower case": doc(day(usd="1.1186")),
    "currency two letters": doc(day(US="1.1186")),
    "currency four letters": doc(day(USDT="1.1186")),
    "currency digits": doc(day(U5D="1.1186")),
    "currency empty": doc("<Cube time='2026-10-08'><Cube currency='' rate='1.1186'/></Cube>"),
    "currency missing": doc("<Cube time='2026-10-08'><Cube rate='1.1186'/></Cube>"),
    "currency non-ASCII": doc(day(ÜSD="1.1186")),
    "EUR listed": doc(day(EUR="1")),
    "duplicate currency": doc(
        "<Cube time='2026-10-08'><Cube currency='USD' rate='1.1186'/><Cube currency='USD' rate='1.1187'/></Cube>"
    ),
    "rate missing": doc("<Cube time='2026-10-08'><Cube currency='USD'/></Cube>"),
    "rate empty": doc(day(USD="")),
    "rate zero": doc(day(USD="0.0000")),
    "rate negative": doc(day(USD="-1.1186")),
    "rate text": doc(day(USD="N/A")),
    "rate NaN": doc(day(USD="NaN")),
    "rate infinity": doc(day(USD="Infinity")),
    "rate exponent": doc(day(USD="1.1186E0")),
    "rate comma": doc(day(USD="1,1186")),
    "rate underscore": doc(day(USD="1_1186")),
    "rate with spaces": doc(day(USD=" 1.1186")),
    "rate trailing dot": doc(day(USD="1.")),
    "rate leading dot": doc(day(USD=".5")),
    "rate plus sign": doc(day(USD="+1.1186")),
    "rate Arabic-Indic digits": doc(day(USD="١.١١٨٦")),
}


@pytest.mark.parametrize("xml", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_documents(xml):
    with pytest.raises(InvalidEcbDocument) as caught:
        parse_ecb(xml)
    error = caught.value
    assert isinstance(error, StorefrontError)
    assert error.code == "invalid_fx_document"
    assert error.http_status == 422
    assert error.params["reason"]
    assert str(error).startswith("The file is not a valid ECB euro reference rate document: ")


def test_doctype_is_refused_with_its_own_reason():
    with pytest.raises(InvalidEcbDocument, match="DOCTYPE"):
        parse_ecb(BILLION_LAUGHS)
    with pytest.raises(InvalidEcbDocument, match="DOCTYPE"):
        parse_ecb(MALFORMED["doctype, utf-16"])


@pytest.mark.parametrize(
    "xml, reason",
    [
        (doc(day(USD="0")), "rate '0' for USD is not positive"),
        (doc(day(usd="1")), "bad currency code 'usd'"),
        (doc(day("2026-02-30")), "bad date '2026-02-30'"),
        (doc(day("2026-10-08", USD="1", JPY="2").replace("JPY", "USD")), "duplicate currency USD on 2026-10-08"),
        (doc(""), "no dated Cube element"),
    ],
)
def test_reasons(xml, reason):
    with pytest.raises(InvalidEcbDocument) as caught:
        parse_ecb(xml if isinstance(xml, bytes) else xml.encode())
    assert caught.value.params == {"reason": reason}
