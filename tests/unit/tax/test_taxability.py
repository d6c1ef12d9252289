"""Product tax codes per jurisdiction (storefront/tax/data/taxability.json):
every rule reproduces the figure of its cited source, on the rates of
rates.json, as the checkout looks them up."""
from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.tax import taxability
from storefront.tax.calculation import LineInput, TaxComponent, calculate
from storefront.tax.services import DATA_FILE, _taxes_of

D = Decimal
RATES = json.loads(DATA_FILE.read_text(encoding="utf-8"))
JURISDICTIONS = {j["code"]: j for j in RATES["jurisdictions"]}
DATA = json.loads(taxability.DATA_FILE.read_text(encoding="utf-8"))
TODAY = date(2026, 12, 2)
CHOCOLATE, CLOTHING, BOOKS, FOOD = "txcd_40100001", "txcd_30011000", "txcd_35010000", "txcd_40040000"
COFFEE, TEA, OLIVE_OIL, SHIPPING = "txcd_41050006", "txcd_41050008", "sf_food_olive_oil", "txcd_92010001"


def table(jurisdiction: str, on: date) -> dict[tuple[str, str], Decimal]:
    return {(r["tax"], r["category"]): D(r["rate"]) for r in JURISDICTIONS[jurisdiction]["rates"]
            if date.fromisoformat(r["valid_from"]) <= on
            and (r["valid_to"] is None or on < date.fromisoformat(r["valid_to"]))}


def taxes(jurisdiction: str, tax_class: str, on: date = TODAY, unit_price: Decimal | None = None,
          currency: str = "USD") -> tuple[TaxComponent, ...]:
    treatment = taxability.resolve(jurisdiction, tax_class, on, unit_price=unit_price, currency=currency)
    return _taxes_of(table(jurisdiction, on), jurisdiction, treatment)


def rate(jurisdiction: str, tax_class: str, on: date = TODAY, **kw) -> Decimal:
    return sum((c.rate for c in taxes(jurisdiction, tax_class, on, **kw)), D(0))


def test_every_code_and_rule_is_sourced_and_known():
    for code, c in DATA["codes"].items():
        assert c["source"] in DATA["sources"], code
        assert code.startswith("txcd_") or (code.startswith("sf_") and c["source"] == "storefront"), code
        assert c.get("parent") is None or c["parent"] in DATA["codes"], code
        assert c.get("stripe") is None or c["stripe"] in DATA["codes"], code
    for rule in DATA["rules"]:
        assert rule["source"] in DATA["sources"], rule["id"]
        assert set(rule["codes"]) <= set(DATA["codes"]), rule["id"]
        scope = rule["jurisdiction"]
        assert scope in JURISDICTIONS or any(j.startswith(scope + "-") for j in JURISDICTIONS), rule["id"]
    ids = [r["id"] for r in DATA["rules"]]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("rule", DATA["rules"], ids=lambda r: r["id"])
def test_every_rule_reproduces_its_example(rule):
    example = rule["example"]
    jurisdiction = example.get("jurisdiction", rule["jurisdiction"])
    on = date.fromisoformat(example.get("on", TODAY.isoformat()))
    price = D(example["unit_price"]) if "unit_price" in example else None
    if "taxable" in example:  # only the part of the price above the threshold is taxed
        treatment = taxability.resolve(jurisdiction, example["code"], on, unit_price=price, currency="USD")
        assert price - treatment.untaxed_per_unit == D(example["taxable"])
    else:
        assert rate(jurisdiction, example["code"], on, unit_price=price) == D(example["rate"])


def test_chocolate_is_taxed_in_full_in_gb_canada_and_australia():
    # HMRC VAT Notice 701/14 s. 3.3; Excise Tax Act Sch. VI Part III s. 1(e) (CRA Memo 4.3); GST Act Sch. 1.
    assert rate("GB", CHOCOLATE) == D("20") and rate("GB", FOOD) == D("0")
    assert [(c.name, c.rate) for c in taxes("CA-QC", CHOCOLATE)] == [("GST", D("5")), ("QST", D("9.975"))]
    assert rate("CA-QC", FOOD) == D("0")
    assert rate("CA-ON", CHOCOLATE) == D("13") and rate("AU", CHOCOLATE) == D("10") and rate("AU", FOOD) == D("0")
    # PST stays at the food treatment (exempt) in BC; the GST applies
    assert [(c.name, c.rate) for c in taxes("CA-BC", CHOCOLATE)] == [("GST", D("5"))]
    # elsewhere chocolate is food: DE 7, FR 5.5
    assert rate("DE", CHOCOLATE) == D("7") and rate("FR", CHOCOLATE) == D("5.5")


def test_tea_coffee_and_honey_stay_zero_rated_food_in_gb_canada_and_australia():
    for jurisdiction in ("GB", "CA-QC", "AU"):
        assert rate(jurisdiction, COFFEE) == rate(jurisdiction, TEA) == rate(jurisdiction, FOOD) == D("0")


def test_austrian_4_9_covers_only_the_listed_staples():
    after = date(2026, 7, 1)
    assert rate("AT", "sf_food_bread", after) == D("4.9") and rate("AT", "sf_food_salt", after) == D("4.9")
    assert rate("AT", FOOD, after) == D("10")  # honey, tea, coffee: other food
    assert rate("AT", OLIVE_OIL, after) == D("10") and rate("AT", "sf_food_cheese", after) == D("10")
    assert rate("AT", "sf_food_bread", date(2026, 6, 30)) == D("10")
    assert rate("AT", "food", after) == D("4.9")  # a legacy category keeps its rate


def test_latvian_12_covers_only_bread_fresh_milk_poultry_and_eggs():
    on = date(2026, 7, 1)
    for code in ("sf_food_bread", "sf_food_fresh_milk", "sf_food_poultry", "sf_food_eggs"):
        assert rate("LV", code, on) == D("12"), code
    assert rate("LV", FOOD, on) == rate("LV", CHOCOLATE, on) == rate("LV", "sf_food_cheese", on) == D("21")
    assert rate("LV", "sf_food_eggs", date(2027, 7, 1)) == D("21")


def test_spanish_4_for_basic_products_and_olive_oil_10_for_other_food():
    assert rate("ES", OLIVE_OIL) == rate("ES", "sf_food_bread") == rate("ES", "sf_food_cheese") == D("4")
    assert rate("ES", FOOD) == rate("ES", COFFEE) == rate("ES", CHOCOLATE) == rate("ES", "sf_food_pasta") == D("10")
    assert rate("ES", OLIVE_OIL, date(2024, 10, 1)) == D("2")  # RDL 4/2024 transition


def test_italian_coffee_22_and_romanian_added_sugar_21():
    assert rate("IT", COFFEE) == D("22") and rate("IT", TEA) == D("22")  # neither is in Tabella A
    assert rate("RO", CHOCOLATE, date(2025, 8, 1)) == D("21") and rate("RO", FOOD, date(2025, 8, 1)) == D("11")
    assert rate("RO", "sf_food_added_sugar", date(2024, 1, 1)) == D("19")
    assert rate("RO", CHOCOLATE, date(2023, 12, 31)) == D("9")


def test_cyprus_books_are_3_percent_from_2023_07_21():
    assert rate("CY", BOOKS, date(2023, 7, 20)) == D("5")
    assert rate("CY", BOOKS, date(2023, 7, 21)) == rate("CY", "books", TODAY) == D("3")


@pytest.mark.parametrize("state", ["US-PA", "US-NJ", "US-MN", "US-VT"])
def test_clothing_is_exempt_in_pa_nj_mn_vt(state):
    assert rate(state, CLOTHING, unit_price=D("250")) == D("0")
    assert rate(state, "txcd_30011200", unit_price=D("25")) == D("0")  # children's clothing: the parent's rule
    assert rate(state, "txcd_99999999") > 0


def test_new_york_exempts_clothing_under_110_from_the_state_share():
    # Tax Bulletin ST-530: less than $110 exempt; $110 or more fully taxable
    assert rate("US-NY", CLOTHING, unit_price=D("109.99")) == D("0")
    assert rate("US-NY", CLOTHING, unit_price=D("110.00")) == D("4")
    assert rate("US-NY", CLOTHING) == D("4")  # no price (the catalog): the full rate


def test_new_york_threshold_is_compared_in_dollars():
    treatment = taxability.resolve("US-NY", CLOTHING, TODAY, unit_price=D("100"), currency="EUR",
                                   convert=lambda amount, source, target: amount * D("0.9"))  # USD 110 = EUR 99
    assert not treatment.exempt


@pytest.mark.parametrize("state, limit", [("US-MA", "175"), ("US-RI", "250")])
def test_massachusetts_and_rhode_island_tax_only_the_part_above_the_limit(state, limit):
    below = taxability.resolve(state, CLOTHING, TODAY, unit_price=D(limit), currency="USD")
    assert below.exempt
    above = taxability.resolve(state, CLOTHING, TODAY, unit_price=D(limit) + 25, currency="USD")
    assert above.untaxed_per_unit == D(limit) and not above.exempt
    components = _taxes_of(table(state, TODAY), state, above)
    result = calculate([LineInput("coat", (D(limit) + 25) * 2, components, above.untaxed_per_unit * 2)],
                       currency="USD", prices_include_tax=False)
    assert result.lines[0].net == (D(limit) + 25) * 2
    assert result.tax_total == (D(50) * components[0].rate / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_shipping_is_exempt_in_california_and_maine_and_follows_the_goods_elsewhere():
    assert not taxability.shipping_taxable("US-CA", TODAY) and not taxability.shipping_taxable("US-ME", TODAY)
    for jurisdiction in ("US-NY", "US-PA", "DE", "GB", "CA-QC"):
        assert taxability.shipping_taxable(jurisdiction, TODAY), jurisdiction


def test_untaxed_shipping_and_untaxed_parts_in_the_calculation():
    sales = (TaxComponent("Sales tax", D("7.25"), "US-CA"),)
    taxed = calculate([LineInput("a", D("100.00"), sales)], currency="USD", prices_include_tax=False,
                      shipping=D("10.00"))
    untaxed = calculate([LineInput("a", D("100.00"), sales)], currency="USD", prices_include_tax=False,
                        shipping=D("10.00"), shipping_taxable=False)
    assert taxed.tax_total == D("7.98") and untaxed.tax_total == D("7.25")
    assert untaxed.gross_total == D("117.25") and untaxed.shipping[0].tax == 0
    per_order = calculate([LineInput("a", D("200.00"), sales, D("175.00")), LineInput("b", D("10.00"), sales)],
                          currency="USD", prices_include_tax=False, rounding="order")
    assert [line.key for line in per_order.lines] == ["a", "b"]
    assert per_order.lines[0].net == D("200.00") and per_order.tax_total == D("2.54")  # 7.25 % of 35.00


def test_legacy_categories_and_unknown_classes_keep_their_own_rates():
    assert taxability.resolve("DE", "books", TODAY) == taxability.legacy("books")
    assert rate("DE", "books") == D("7") and rate("GB", "food") == D("0")


def test_codes_stand_for_a_legacy_category_and_go_to_stripe_as_stripe_codes():
    assert taxability.tax_category_for(CHOCOLATE) == "food"
    assert taxability.tax_category_for("sf_alcoholic_beverages") == "beverage_alcohol"
    assert taxability.stripe_code(OLIVE_OIL) == FOOD and taxability.stripe_code(CLOTHING) == CLOTHING
    assert SHIPPING not in taxability.product_codes()


SOFT_DRINKS = "txcd_41040002"


@pytest.mark.parametrize("state, candy, soft_drinks", [
    ("NY", "4", "4"),  # Tax Law 1115(a)(1)(A)(i), (iii); TB-ST-525
    ("TX", "6.25", "6.25"),  # Comptroller Publication 96-280
    ("NJ", "6.625", "6.625"),  # N.J.S.A. 54:32B-8.2
    ("MN", "6.875", "6.875"),  # Minn. Stat. 297A.67 subd. 2
    ("WA", "0", "6.5"),  # RCW 82.08.0293(2); Initiative 1107 exempts candy again
    ("CA", "0", "7.25"),  # R&TC 6359, Reg. 1602(a)(1): candy is a food product, carbonated beverages are not
    ("PA", "0", "6"),  # 61 Pa. Code 60.7, REV-717: candy and gum exempt, soft drinks taxable
    ("FL", "6", "6"),  # TIP 98(A)1-08, TIP 00A01-05: s. 212.08(1) does not extend to candy; soft drinks taxable
    ("CO", "2.9", "2.9"),  # Colorado DOR: no longer exempt from 2010-05-01
    ("CT", "6.35", "6.35"),  # Conn. Gen. Stat. 12-412(13); DRS Bulletin #31
    ("IN", "7", "7"),  # Information Bulletin #29
    ("IA", "6", "6"),  # Iowa Code 423.3(57)
    ("KY", "6", "6"),  # KRS 139.485(2)(c), (e)
    ("ME", "5.5", "5.5"),  # 36 M.R.S. 1752(3-B)
    ("MD", "6", "6"),  # Tax-General 11-206(a)(3)(iii)
    ("NC", "4.75", "4.75"),  # G.S. 105-164.13B(a)(5), (7): the general State rate
    ("ND", "5", "5"),  # N.D. Admin. Code 81-04.1-03-03
    ("RI", "7", "7"),  # R.I. Gen. Laws 44-18-30(9), from 2007-01-01
    ("WI", "5", "5"),  # Wis. Admin. Code Tax 11.51
    ("OH", "0", "5.75"),  # Ohio Department of Taxation: soft drinks are not food, gum and candy are
    ("WV", "0", "6"),  # from 2013-07-01 food is exempt, soft drinks are not
    ("VT", "0", "6"),  # Vermont Department of Taxes: soft drinks taxable from 2015-07-01
    ("LA", "0", "0"),  # no rule: candy and soft drinks are food for home consumption (state exemption)
])
def test_us_candy_and_soft_drinks_where_groceries_are_exempt(state, candy, soft_drinks):
    jurisdiction = f"US-{state}"
    assert rate(jurisdiction, FOOD) == D("0")  # groceries exempt in every one of these states
    assert rate(jurisdiction, CHOCOLATE) == D(candy)
    assert rate(jurisdiction, SOFT_DRINKS) == D(soft_drinks)
    assert rate(jurisdiction, COFFEE) == D("0")  # coffee stays food


def test_illinois_taxes_candy_and_soft_drinks_at_the_general_rate_not_the_food_rate():
    # 86 Ill. Adm. Code 130.310 (P.A. 96-34, from 2009-09-01): food 1 %, candy and soft drinks 6.25 %
    on = date(2025, 6, 30)
    assert rate("US-IL", FOOD, on) == D("1")
    assert rate("US-IL", CHOCOLATE, on) == rate("US-IL", SOFT_DRINKS, on) == D("6.25")


def test_arkansas_taxes_candy_and_soft_drinks_at_the_full_rate_after_the_grocery_repeal():
    # Act 141 of 2017 (from 2018-01-01): out of the reduced food rate; Act 1008 of 2025 keeps them taxable
    assert rate("US-AR", FOOD, date(2025, 12, 31)) == D("0.125") and rate("US-AR", FOOD) == D("0")
    assert rate("US-AR", CHOCOLATE) == rate("US-AR", SOFT_DRINKS) == D("6.5")
    assert taxability.resolve("US-AR", CHOCOLATE, date(2018, 1, 1)).rule == "us-ar-candy-soft-drinks"
    assert taxability.resolve("US-AR", CHOCOLATE, date(2017, 12, 31)).rule == "default"  # before Act 141: food


def test_tennessee_taxes_candy_at_7_and_soft_drinks_at_the_4_food_rate():
    # SUT-55 (candy is not food and food ingredients: 7 %); SUT-13 (food and food ingredients 4 %)
    assert rate("US-TN", CHOCOLATE) == D("7")
    assert rate("US-TN", SOFT_DRINKS) == rate("US-TN", FOOD) == rate("US-TN", COFFEE) == D("4")


def test_district_of_columbia_soft_drinks_at_8_percent():
    # D.C. Official Code 47-2002, from 2019-10-01 (OTR): soft drinks 8 %, groceries exempt
    on = date(2026, 6, 1)
    assert rate("US-DC", SOFT_DRINKS, on) == D("8") and rate("US-DC", FOOD, on) == D("0")
    assert rate("US-DC", SOFT_DRINKS, date(2019, 9, 30)) == D("0")


def test_a_chocolate_bar_is_taxed_where_candy_is_taxed():
    # a USD 8.90 chocolate bar (txcd_40100001): state tax in CO, IN, NC; none in OH or LA
    price = D("8.90")
    expected = {"US-CO": "0.26", "US-IN": "0.62", "US-NC": "0.42", "US-OH": "0.00", "US-LA": "0.00"}
    for state, tax in expected.items():
        amount = (price * rate(state, CHOCOLATE) / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        assert amount == D(tax), state


HONEY, HERBAL_TEA = FOOD, FOOD  # the demo's honey and alpine herbal tea carry txcd_40040000


def test_canary_islands_igic_on_the_demo_pantry():
    # Ley 4/2012 art. 52 (tipo cero) and 54 (3 %); olive oil and pasta tipo cero from 2019-01-01 (Ley 7/2018)
    on = TODAY
    assert rate("ES-CN", OLIVE_OIL, on) == D("0") and rate("ES-CN", "sf_food_pasta", on) == D("0")
    assert rate("ES-CN", OLIVE_OIL, date(2018, 12, 31)) == D("3")  # before 2019: the reduced rate
    assert rate("ES-CN", "sf_food_bread") == rate("ES-CN", "sf_food_fresh_milk") == D("0")
    for code in (COFFEE, TEA, HONEY, HERBAL_TEA, CHOCOLATE):
        assert rate("ES-CN", code) == D("3"), code
    assert rate("ES-CN", BOOKS) == D("0")  # books, newspapers and magazines: tipo cero
    assert rate("ES-CN", CLOTHING) == rate("ES-CN", "txcd_99999999") == D("7")  # the general rate
    # the peninsula keeps its own rules: olive oil 4, coffee 10
    assert rate("ES", OLIVE_OIL) == D("4") and rate("ES", COFFEE) == D("10")


def test_puerto_rico_ivu_exempts_food_but_not_candy_or_carbonated_drinks():
    # Codigo de Rentas Internas 2011, Sec. 4010.01: food and food ingredients exclude dulces, bebidas carbonatadas
    for code in (FOOD, COFFEE, TEA, OLIVE_OIL):
        assert taxes("US-PR", code) == (), code
    assert [(c.name, c.rate) for c in taxes("US-PR", CHOCOLATE)] == [("IVU", D("10.5")), ("IVU municipal", D("1"))]
    assert rate("US-PR", SOFT_DRINKS) == rate("US-PR", "txcd_99999999") == D("11.5")


def test_ireland_taxes_chocolate_and_soft_drinks_at_23_and_malta_confectionery_at_5():
    # Revenue, VAT Food and Drink; Dail written answer 25 Oct 2012: sweets, chocolate, soft drinks standard-rated
    assert rate("IE", CHOCOLATE) == rate("IE", SOFT_DRINKS) == D("23")
    for code in (FOOD, COFFEE, TEA, OLIVE_OIL):  # the rest of the demo pantry stays zero-rated food
        assert rate("IE", code) == D("0"), code
    # Malta VAT Act: zero-rated food excludes chocolates and manufactured beverages; confectionery 5 %
    assert rate("MT", CHOCOLATE) == D("5") and rate("MT", SOFT_DRINKS) == D("18") and rate("MT", COFFEE) == D("0")


def test_staple_only_food_rates_do_not_reach_coffee_and_chocolate_in_hungary_croatia_and_slovakia():
    # HU: 5 %/18 % lists of basic food (coffee, tea, chocolate not listed): 27 %; HR: 5 % list (zakon o PDV-u
    # cl. 38): chocolate and coffee 25 %; SK from 2025-01-01: other food 19 %, confectionery 23 % from 2026-01-01
    assert rate("HU", COFFEE) == rate("HU", TEA) == rate("HU", CHOCOLATE) == D("27")
    assert rate("HR", COFFEE) == rate("HR", CHOCOLATE) == D("25") and rate("HR", OLIVE_OIL) == D("5")
    assert rate("SK", COFFEE) == rate("SK", TEA) == D("19") and rate("SK", CHOCOLATE) == D("23")
    assert rate("SK", CHOCOLATE, date(2025, 6, 1)) == D("19")
    assert rate("HU", "sf_food_fresh_milk") == rate("SK", "sf_food_bread") == D("5")  # the staples keep 5 %


def test_italy_4_only_for_staples_10_for_honey_chocolate_and_herbal_blends():
    # D.P.R. 633/1972 Tabella A: parte II 4 % (olive oil n. 13, bread, pasta, fresh milk, cheese, fruit and vegetables);
    # parte III 10 % (honey, chocolate, confectionery; plant blends for infusions: Risposta AdE n. 579/2020)
    for code in (OLIVE_OIL, "sf_food_bread", "sf_food_pasta", "sf_food_fresh_milk", "sf_food_fruit_vegetables"):
        assert rate("IT", code) == D("4"), code
    assert rate("IT", HONEY) == rate("IT", HERBAL_TEA) == rate("IT", CHOCOLATE) == rate("IT", "sf_food_eggs") == D("10")
    assert rate("IT", "food") == D("4")  # a legacy category keeps its rate
