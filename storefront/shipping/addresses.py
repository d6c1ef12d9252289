"""Shipping addresses: required fields, country, region and postal code, offline.

Pure (stdlib, Babel and the errors of ``storefront.shipping.errors``). ``normalize_address`` strips every text field, checks
it and returns an ``Address`` in canonical form, or raises one
``AddressInvalid`` carrying the error of every field that is wrong, not just
the first.

- Country: an ISO 3166-1 alpha-2 code that Babel (CLDR) names as a
  territory. CLDR also names groupings ("001", "150"), pseudo and
  organisation codes (EU, EZ, UN, QO, ZZ, the XA/XB pseudo-locales) and the
  codes ISO 3166/MA only *exceptionally reserves* (AC, CP, CQ, DG, EA, IC,
  TA: parts of SH, FR, GG, IO and ES): none of them is a country here. XK
  (Kosovo) is user-assigned, not ISO, but the code every carrier and the
  European Commission use, so it is kept.
- Region: the ISO 3166-2 subdivision code without its country prefix
  ("CA-QC" and "qc" both give "QC"). Required and checked for US (50 states,
  DC and the inhabited territories PR, GU, VI, AS, MP; ISO 3166-2:US), CA (10
  provinces and 3 territories; ISO 3166-2:CA) and AU (6 states and 2
  territories; ISO 3166-2:AU); elsewhere optional, upper-cased, unchecked.
- Postal code: required and checked against the format the national postal
  operator publishes (UPU, Postal addressing systems in member countries) for
  the countries in ``POSTAL_CODES``; optional and kept as given for KW (Kuwait
  Post's 5-digit codes are rarely written) and for every other country.
- E-mail: a pragmatic check, not RFC 5322: one "@", a non-empty local part,
  a domain with a dot between non-empty labels, no white space.
- ``vat_id`` and ``company`` are kept as given: ``storefront.tax.vat_ids``
  checks VAT numbers.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from babel import Locale

from storefront.errors import StorefrontError
from storefront.markets.errors import RegionRequired
from storefront.shipping.errors import (
    AddressInvalid,
    InvalidEmail,
    InvalidPostalCode,
    MissingField,
    TooLong,
    UnknownCountry,
    UnknownRegion,
)


@dataclass(frozen=True)
class Address:
    email: str
    name: str
    line1: str
    city: str
    postal_code: str  # canonical for the countries in POSTAL_CODES; "" when optional and not given
    country: str  # ISO 3166-1 alpha-2, upper case
    region: str | None  # ISO 3166-2 subdivision code without the country prefix: "CA", "QC", "NSW"
    company: str | None = None
    vat_id: str | None = None
    line2: str | None = None


_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})

COUNTRIES: frozenset[str] = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isascii() and code.isalpha() and code not in _NOT_COUNTRIES
)

REGIONS: dict[str, frozenset[str]] = {
    # ISO 3166-2:US: the 50 states, the District of Columbia and the inhabited territories.
    "US": frozenset(
        "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
        "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP".split()
    ),
    # ISO 3166-2:CA: 10 provinces, 3 territories.
    "CA": frozenset("AB BC MB NB NL NS ON PE QC SK NT NU YT".split()),
    # ISO 3166-2:AU: 6 states, 2 territories.
    "AU": frozenset("NSW VIC QLD SA TAS WA ACT NT".split()),
}


@dataclass(frozen=True)
class PostalFormat:
    """``pattern`` is matched in full against the code upper-cased with its
    white space removed (ASCII only); ``template`` rebuilds the canonical form
    from the pattern's groups."""

    pattern: re.Pattern[str]
    template: str
    required: bool = True

    def normalize(self, raw: str) -> str | None:
        match = self.pattern.fullmatch("".join(raw.split()).upper())
        return None if match is None else self.template.format(*match.groups())


def _format(pattern: str, template: str = "{0}", required: bool = True) -> PostalFormat:
    return PostalFormat(re.compile(pattern, re.ASCII), template, required)


_FIVE_DIGITS = _format(r"([0-9]{5})")
_FOUR_DIGITS = _format(r"([0-9]{4})")
_THREE_TWO = _format(r"([0-9]{3})([0-9]{2})", "{0} {1}")

# Sources: the Universal Postal Union's "Postal addressing systems" sheet of
# each country and the national operators named below.
POSTAL_CODES: dict[str, PostalFormat] = {
    # USPS Publication 28 §2: ZIP Code "12345" or ZIP+4 "12345-6789".
    "US": _format(r"([0-9]{5}(?:-[0-9]{4})?)"),
    # Canada Post Canadian Addressing Guide: "A1A 1A1"; D F I O Q U are never
    # used, W and Z never as the first letter.
    "CA": _format(
        r"([ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z])([0-9][ABCEGHJ-NPRSTV-Z][0-9])", "{0} {1}"
    ),
    # Royal Mail Programmers' Guide to the PAF: outward code A9, A99, AA9,
    # AA99, A9A or AA9A, a space, inward code 9AA; Q V X never first, I J Z
    # never second, A9A ends in A-H J K P S T U W, AA9A ends in A B E H M N P R
    # V W X Y, the inward letters never C I K M O V. Plus the Girobank "GIR 0AA".
    "GB": _format(
        r"(GIR(?=0AA)|[A-PR-UWYZ](?:[0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9]{1,2}|[A-HK-Y][0-9][ABEHMNPRVWXY]))"
        r"([0-9][ABD-HJLNP-UW-Z]{2})",
        "{0} {1}",
    ),
    # Deutsche Post, La Poste, Poste Italiane, Correos, Posti, Omniva, Hrvatska pošta: 5 digits.
    "DE": _FIVE_DIGITS,
    "FR": _FIVE_DIGITS,
    "IT": _FIVE_DIGITS,
    "ES": _FIVE_DIGITS,
    "FI": _FIVE_DIGITS,
    "EE": _FIVE_DIGITS,
    "HR": _FIVE_DIGITS,
    # Lietuvos paštas: 5 digits, written "LT-12345"; stored without the prefix.
    "LT": _format(r"(?:LT-?)?([0-9]{5})"),
    # Post.at, bpost, Bulgarian Posts, Swiss Post (also LI), Cyprus Post,
    # PostNord Danmark, Magyar Posta, POST Luxembourg, Posten Norge, Pošta
    # Slovenije, Australia Post: 4 digits.
    "AT": _FOUR_DIGITS,
    "BE": _FOUR_DIGITS,
    "BG": _FOUR_DIGITS,
    "CH": _FOUR_DIGITS,
    "LI": _FOUR_DIGITS,
    "CY": _FOUR_DIGITS,
    "DK": _FOUR_DIGITS,
    "HU": _FOUR_DIGITS,
    "LU": _FOUR_DIGITS,
    "NO": _FOUR_DIGITS,
    "SI": _FOUR_DIGITS,
    "AU": _FOUR_DIGITS,
    # PostNL: "1234 AB", the digits from 1000; the letter pairs SA, SD and SS are not used.
    "NL": _format(r"([1-9][0-9]{3})((?!SA|SD|SS)[A-Z]{2})", "{0} {1}"),
    # Poczta Polska: "12-345".
    "PL": _format(r"([0-9]{2})-?([0-9]{3})", "{0}-{1}"),
    # CTT Correios de Portugal: "1234-567".
    "PT": _format(r"([0-9]{4})-?([0-9]{3})", "{0}-{1}"),
    # PostNord Sverige, Česká pošta, Slovenská pošta, ELTA: "123 45".
    "SE": _THREE_TWO,
    "CZ": _THREE_TWO,
    "SK": _THREE_TWO,
    "GR": _THREE_TWO,
    # Eircode (Eircode Address Database guide): routing key of a letter and two
    # digits (or D6W), a space, a unique identifier of 4 characters; the letters
    # B G I J L M O Q S U Z are not used.
    "IE": _format(r"([ACDEFHKNPRTVWXY][0-9]{2}|D6W)([0-9ACDEFHKNPRTVWXY]{4})", "{0} {1}"),
    # Latvijas Pasts: "LV-1234"; the prefix is added when only the digits are given.
    "LV": _format(r"(?:LV-?)?([0-9]{4})", "LV-{0}"),
    # MaltaPost: 3 letters, a space, 4 digits ("VLT 1117").
    "MT": _format(r"([A-Z]{3})([0-9]{4})", "{0} {1}"),
    # Poșta Română: 6 digits.
    "RO": _format(r"([0-9]{6})"),
    # Japan Post: "123-4567"; "1234567" is accepted.
    "JP": _format(r"([0-9]{3})-?([0-9]{4})", "{0}-{1}"),
    # Kuwait Post: 5 digits, optional (rarely used in addresses).
    "KW": _format(r"([0-9]{5})", required=False),
}

MAX_LENGTHS: dict[str, int] = {
    "email": 254,  # RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its angle brackets
    "name": 200,
    "company": 200,
    "line1": 200,
    "line2": 200,
    "city": 200,
    "postal_code": 16,
    "region": 200,  # unchecked outside US, CA and AU: a free-text cap only
}

_REQUIRED = ("email", "name", "line1", "city", "country")
_FIELDS = ("email", "name", "company", "vat_id", "line1", "line2", "city", "postal_code", "region", "country")


def normalize_address(raw: Mapping[str, object]) -> Address:
    """The canonical ``Address`` from ``raw`` (form or JSON fields), or
    ``AddressInvalid`` with the error of every invalid field.

    Strings are stripped; empty text, None, an absent key and a value that is
    not text all count as missing.
    """
    text = {field: _text(raw.get(field)) for field in _FIELDS}
    region_text = text["region"].upper()  # may grow: "ß".upper() == "SS"
    errors: dict[str, StorefrontError] = {}

    for field in _REQUIRED:
        if not text[field]:
            errors[field] = MissingField()
    for field, limit in MAX_LENGTHS.items():
        if len(region_text if field == "region" else text[field]) > limit:
            errors[field] = TooLong(max=limit)

    email = text["email"]
    if "email" not in errors and not _plausible_email(email):
        errors["email"] = InvalidEmail(email=email)

    country = text["country"].upper()
    if "country" not in errors and country not in COUNTRIES:
        errors["country"] = UnknownCountry(country=text["country"])
    known_country = "country" not in errors

    region = _strip_prefix(region_text, country) or None
    if known_country and country in REGIONS and "region" not in errors:
        if region is None:
            errors["region"] = RegionRequired(country=country)
        elif region not in REGIONS[country]:
            errors["region"] = UnknownRegion(region=text["region"], country=country)

    postal_code = text["postal_code"]
    postal_format = POSTAL_CODES.get(country) if known_country else None
    if postal_format is not None and "postal_code" not in errors:
        if not postal_code:
            if postal_format.required:
                errors["postal_code"] = MissingField()
        else:
            canonical = postal_format.normalize(postal_code)
            if canonical is None:
                errors["postal_code"] = InvalidPostalCode(postal_code=postal_code, country=country)
            else:
                postal_code = canonical

    if errors:
        raise AddressInvalid({field: errors[field] for field in _FIELDS if field in errors})
    return Address(
        email=email,
        name=text["name"],
        line1=text["line1"],
        city=text["city"],
        postal_code=postal_code,
        country=country,
        region=region,
        company=text["company"] or None,
        vat_id=text["vat_id"] or None,
        line2=text["line2"] or None,
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _strip_prefix(region: str, country: str) -> str:
    prefix = country + "-"
    return region[len(prefix):] if country and region.startswith(prefix) else region


def _plausible_email(email: str) -> bool:
    if email.count("@") != 1 or any(char.isspace() for char in email):
        return False
    local, domain = email.split("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)
