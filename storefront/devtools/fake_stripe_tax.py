"""A local fake of Stripe Tax's ``POST /v1/tax/calculations`` (localstripe has
no Stripe Tax), for the real stripe SDK pointed at it (``STRIPE_TAX_API_BASE``,
or ``api_base`` in tests). ``make run-local-payments`` serves it beside
localstripe; the tests start their own (stdlib only, a thread).

Destination-based rates for a few addresses, split as Stripe's breakdown shows
them (state, county, city, special district), each from the tax authority's
own table (``RATES``, with source and date):

- Seattle WA 98101: 10.35 % = WA 6.5 + local 3.85 (city 2.45 + Sound Transit
  RTA 1.4);
- Los Angeles CA 90012: 9.75 % = CA 7.25 (statewide base, incl. the 1.25 %
  Bradley-Burns local rate) + LA County district taxes 2.5 (9.5 % until
  2025-03-31; Measure A added 0.25 from 2025-04-01);
- Chicago IL 60601: 10.25 % = IL 6.25 + Cook County 1.75 + Chicago 1.25 + RTA 1.0;
- New York NY 10001: 8.875 % = NY 4.0 + New York City 4.5 + MCTD 0.375.

Another US postal code gets its state's base rate only (the project's
``storefront/tax/data/rates.json``, in force today), anything else (another
country, a state without a rate) is refused (400, as Stripe refuses an
unsupported location).

Taxability, as Stripe applies it: ``txcd_00000000`` (nontaxable) is never
taxed; where a state exempts groceries (``GROCERIES``: WA, CA, NY), food for
home consumption (``txcd_40040000`` and its children) is not taxed, except
what that state taxes at the general rate (candy in NY; soft drinks in WA,
CA and NY). Food to another state is taxed at the general rate (this fake
knows no reduced grocery rates, e.g. IL's). Clothing thresholds and the like
are Stripe's business and not modelled. The answer has the documented shape of
a ``tax.calculation`` with ``line_items`` expanded (each with its
``tax_breakdown``) and ``shipping_cost`` (taxed where the goods are, except in
CA: delivery by common carrier, separately stated).

``mode``: "ok", "error" (HTTP 500), "slow" (answers after ``delay`` seconds).

Run alone: ``python -m storefront.devtools.fake_stripe_tax [PORT]`` (0: a free
port; it prints its URL).
"""
from __future__ import annotations

import json
import sys
import threading
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

__all__ = ["FakeStripeTax", "RATES", "SOURCES", "combined_rate"]

SOURCES = {
    "wa_dor": "Washington Department of Revenue, Local sales & use tax rate table, Quarter 4 2025 (effective "
              "2025-10-01 to 2025-12-31, no rate changes that quarter): Seattle, location code 1726, local .0385, "
              "state .0650, combined .1035; https://dor.wa.gov/taxes-rates/sales-use-tax-rates/local-sales-use-tax",
    "cdtfa": "California Department of Tax and Fee Administration, California City & County Sales & Use Tax Rates "
             "(effective 2025-04-01): Los Angeles (city) 9.750 % (LA County Measure A, 0.50 % replacing Measure "
             "H's 0.25 %: 9.50 % until 2025-03-31); https://www.cdtfa.ca.gov/taxes-and-fees/rates.aspx",
    "il_dor": "Illinois Department of Revenue, sales tax rates (MyTax Illinois tax rate finder), as of 2025: "
              "Chicago general merchandise 10.25 % = state 6.25 + Cook County home rule 1.75 + Chicago home rule "
              "1.25 + Regional Transportation Authority 1.00; https://tax.illinois.gov/research/taxrates/st.html",
    "ny_dtf": "New York State Department of Taxation and Finance, Publication 718, New York State Sales and Use "
              "Tax Rates by Jurisdiction (in force in 2025): New York City 8.875 % = state 4 + city 4.5 + "
              "Metropolitan Commuter Transportation District 0.375; https://www.tax.ny.gov/pdf/publications/sales/pub718.pdf",
    "wa_rcw_82_08_0293": "RCW 82.08.0293 (food and food ingredients exempt; not soft drinks) and Initiative 1107 "
                         "(candy exempt again from 2010-12-02), Washington DOR 'Impacts of Initiative 1107'",
    "ca_rtc_6359": "California Revenue and Taxation Code section 6359 and Regulation 1602(a)(1): food products, "
                   "including candy and confectionery, exempt; carbonated beverages excluded (taxable)",
    "ny_tb_st_525": "New York Tax Law section 1115(a)(1) and Tax Bulletin TB-ST-525 (2019-08-08): food exempt, "
                    "not candy and confectionery, soft drinks or sodas",
}

# (level, display name, rate in percent) per 5-digit ZIP, as Stripe's tax_breakdown shows the levels.
RATES: dict[str, dict] = {
    "98101": {"state": "WA", "as_of": "2025-10-01", "source": "wa_dor", "levels": (
        ("state", "WASHINGTON", "6.5"), ("city", "SEATTLE", "2.45"), ("district", "REGIONAL TRANSIT AUTHORITY", "1.4"))},
    "90012": {"state": "CA", "as_of": "2025-04-01", "source": "cdtfa", "levels": (
        ("state", "CALIFORNIA", "7.25"), ("district", "LOS ANGELES COUNTY DISTRICTS", "2.5"))},
    "60601": {"state": "IL", "as_of": "2025-01-01", "source": "il_dor", "levels": (
        ("state", "ILLINOIS", "6.25"), ("county", "COOK", "1.75"), ("city", "CHICAGO", "1.25"),
        ("district", "REGIONAL TRANSPORTATION AUTHORITY", "1.0"))},
    "10001": {"state": "NY", "as_of": "2025-03-01", "source": "ny_dtf", "levels": (
        ("state", "NEW YORK", "4.0"), ("city", "NEW YORK CITY", "4.5"),
        ("district", "METROPOLITAN COMMUTER TRANSPORTATION DISTRICT", "0.375"))},
}
RATES_FILE = Path(__file__).resolve().parents[1] / "tax" / "data" / "rates.json"
NONTAXABLE = {"txcd_00000000"}
FOOD = "txcd_40040000"
CANDY, SOFT_DRINKS = "txcd_40100001", "txcd_41040002"
FOOD_CODES = {FOOD, CANDY, SOFT_DRINKS, "txcd_41050006", "txcd_41050008"}  # food and its children (taxability.json)
# States exempting groceries: the food codes they tax at the general rate all the same.
GROCERIES = {"WA": {SOFT_DRINKS}, "CA": {SOFT_DRINKS}, "NY": {CANDY, SOFT_DRINKS}}
SHIPPING_EXEMPT = {"CA"}


def combined_rate(zip_code: str) -> Decimal:
    """The combined rate (percent) of a ZIP in ``RATES``."""
    return sum((Decimal(rate) for _, _, rate in RATES[zip_code]["levels"]), Decimal(0))


@lru_cache(maxsize=None)
def state_rate(state: str, on: date | None = None) -> str | None:
    """A state's base sales tax rate (percent) on ``on`` (default today), from rates.json."""
    on = on or date.today()
    data = json.loads(RATES_FILE.read_text(encoding="utf-8"))
    for jurisdiction in data["jurisdictions"]:
        if jurisdiction["code"] != f"US-{state}":
            continue
        for row in jurisdiction["rates"]:
            if row["category"] == "standard" and date.fromisoformat(row["valid_from"]) <= on \
                    and (row["valid_to"] is None or on < date.fromisoformat(row["valid_to"])):
                return row["rate"]
    return None


def taxable(state: str, tax_code: str | None) -> bool:
    if tax_code in NONTAXABLE:
        return False
    if tax_code in FOOD_CODES and state in GROCERIES:
        return tax_code in GROCERIES[state]
    return True


def nested(pairs):
    """Stripe's form encoding (``line_items[0][amount]=...``) as dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _breakdown(amount: int, state: str, levels, taxed: bool):
    entries = []
    for level, name, rate in levels:
        tax = int((Decimal(amount) * Decimal(rate) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if taxed else 0
        entries.append({
            "amount": tax,
            "jurisdiction": {"country": "US", "display_name": name, "level": level, "state": state},
            "sourcing": "destination",
            "tax_rate_details": {"display_name": "Sales Tax", "percentage_decimal": rate,
                                 "tax_type": "sales_tax"} if taxed else None,
            "taxability_reason": "standard_rated" if taxed else "product_exempt",
            "taxable_amount": amount if taxed else 0,
        })
    return entries


class FakeStripeTax:
    """The fake on 127.0.0.1:``port`` (0: a free one; ``url`` says which)."""

    def __init__(self, port: int = 0) -> None:
        self.mode = "ok"
        self.delay = 5.0
        self.requests: list[dict] = []
        self._count = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # quiet
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = nested(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                if self.path.split("?")[0] != "/v1/tax/calculations":
                    return self._send(404, {"error": {"type": "invalid_request_error", "message": "no such path"}})
                with fake._lock:
                    fake.requests.append(body)
                if fake.mode == "error":
                    return self._send(500, {"error": {"type": "api_error", "message": "internal"}})
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                status, answer = fake.calculate(body)
                self._send(status, answer)

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", "req_fake")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeStripeTax":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calculate(self, body):
        address = (body.get("customer_details") or {}).get("address") or {}
        if address.get("country") != "US":
            return 400, {"error": {"type": "invalid_request_error", "code": "customer_tax_location_invalid",
                                   "message": "unsupported location"}}
        state = str(address.get("state") or "").upper()
        known = RATES.get(str(address.get("postal_code") or "")[:5])
        if known is not None and known["state"] == state:
            levels = known["levels"]
        elif (base := state_rate(state)) is not None:
            levels = (("state", state, base),)
        else:
            return 400, {"error": {"type": "invalid_request_error", "code": "customer_tax_location_invalid",
                                   "message": f"unsupported state {state!r}"}}
        with self._lock:
            self._count += 1
            calc_id = f"taxcalc_fake{self._count:06d}"
        items, total_tax = [], 0
        for i, line in enumerate(body.get("line_items") or []):
            amount = int(line["amount"])
            breakdown = _breakdown(amount, state, levels, taxable(state, line.get("tax_code")))
            tax = sum(e["amount"] for e in breakdown)
            total_tax += tax
            items.append({"id": f"tax_li_fake{calc_id[12:]}_{i}", "object": "tax.calculation_line_item",
                          "amount": amount, "amount_tax": tax, "livemode": False, "product": None,
                          "quantity": int(line.get("quantity") or 1), "reference": line.get("reference"),
                          "tax_behavior": line.get("tax_behavior", "exclusive"),
                          "tax_code": line.get("tax_code", "txcd_99999999"), "tax_breakdown": breakdown})
        shipping = None
        if body.get("shipping_cost"):
            amount = int(body["shipping_cost"]["amount"])
            breakdown = _breakdown(amount, state, levels, state not in SHIPPING_EXEMPT)
            tax = sum(e["amount"] for e in breakdown)
            total_tax += tax
            shipping = {"amount": amount, "amount_tax": tax, "shipping_rate": None,
                        "tax_behavior": body["shipping_cost"].get("tax_behavior", "exclusive"),
                        "tax_code": body["shipping_cost"].get("tax_code", "txcd_92010001"),
                        "tax_breakdown": breakdown}
        goods = sum(int(x["amount"]) for x in body.get("line_items") or [])
        return 200, {
            "id": calc_id, "object": "tax.calculation", "currency": body.get("currency"), "customer": None,
            "customer_details": {"address": address, "address_source": "shipping", "ip_address": None,
                                 "tax_ids": [], "taxability_override": "none"},
            "expires_at": int(time.time()) + 90 * 86400, "livemode": False,
            "line_items": {"object": "list", "data": items, "has_more": False,
                           "url": f"/v1/tax/calculations/{calc_id}/line_items"},
            "amount_total": goods + (shipping["amount"] if shipping else 0) + total_tax,
            "shipping_cost": shipping, "tax_amount_exclusive": total_tax, "tax_amount_inclusive": 0,
            "tax_breakdown": [], "tax_date": int(time.time()),
        }


def main(argv: list[str]) -> int:
    fake = FakeStripeTax(int(argv[1]) if len(argv) > 1 else 0).start()
    print(f"fake Stripe Tax on {fake.url} (POST /v1/tax/calculations)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
