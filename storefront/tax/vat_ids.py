"""VAT identification numbers: format and check digits, offline.

Pure (python-stdnum). EU numbers by ``stdnum.eu.vat`` (country prefix, with
Greece as EL; Northern Ireland XI); GB, CH and NO by their own modules. This
proves a number is well-formed, not that it is registered: VIES (EU) and the
HMRC/UID registers answer that online, and the reverse charge legally needs
a valid number (EU VAT Directive Art. 138(1)(b), as amended by Directive
2018/1910)."""
from __future__ import annotations

from dataclasses import dataclass

from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.no import mva as no_mva

from storefront.tax.errors import InvalidVatId


@dataclass(frozen=True)
class VatId:
    country: str  # ISO 3166-1 alpha-2 of the issuing state (GR for the EL prefix; XI for Northern Ireland)
    number: str  # compact, with its prefix: "DE136695976", "GB980780684", "CHE116281710MWST"

    def __str__(self) -> str:
        return self.number


def validate_vat_id(raw: str) -> VatId:
    """The compact, checked VAT number, or InvalidVatId."""
    text = (raw or "").strip()
    upper = text.upper().replace(" ", "")
    try:
        if upper.startswith("GB"):
            return VatId("GB", "GB" + gb_vat.validate(text[2:] if text[:2].upper() == "GB" else text))
        if upper.startswith("CHE"):
            return VatId("CH", ch_vat.validate(text))
        if upper.startswith("NO"):
            return VatId("NO", "NO" + no_mva.validate(text))
        number = eu_vat.validate(text)
    except ValidationError:
        raise InvalidVatId(vat_id=raw) from None
    prefix = number[:2]
    country = {"EL": "GR"}.get(prefix, prefix)
    return VatId(country, number)
