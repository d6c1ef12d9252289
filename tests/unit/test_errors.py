"""Domain errors: one class per code, each in an ``errors`` module
(storefront/errors.py for the core's, storefront/<domain>/errors.py for a
domain's), its message in the gettext catalogs."""
from __future__ import annotations

import importlib
import pkgutil
import re
from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import storefront
from storefront.errors import StorefrontError
from storefront.i18n.errors import InvalidLocale

ROOT = Path(__file__).resolve().parents[2]
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _error_classes() -> list[type[StorefrontError]]:
    for module in pkgutil.walk_packages(storefront.__path__, "storefront."):
        importlib.import_module(module.name)
    found, todo = [], [StorefrontError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: (c.__module__, c.__qualname__))


CLASSES = _error_classes()


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_every_code_is_defined_by_exactly_one_class():
    by_code = defaultdict(list)
    for cls in CLASSES:
        if "code" in vars(cls):
            by_code[cls.code].append(_name(cls))
    assert {code: names for code, names in by_code.items() if len(names) > 1} == {}


def test_only_abstract_bases_go_without_a_code_of_their_own():
    """A subclass that inherits its parent's code would be a second class for it."""
    assert [_name(c) for c in CLASSES if "code" not in vars(c) and not c.__subclasses__()] == []


def test_every_error_lives_in_an_errors_module():
    misplaced = [_name(c) for c in CLASSES
                 if not (c.__module__ == "storefront.errors"
                         or re.fullmatch(r"storefront\.[a-z0-9_]+\.errors", c.__module__))]
    assert misplaced == []


@pytest.mark.parametrize("cls", CLASSES, ids=_name)
def test_code_status_and_message(cls):
    assert SNAKE_CASE.match(cls.code), cls.code
    assert 400 <= cls.http_status < 600
    assert isinstance(cls.message, str) and cls.message


def test_every_message_is_in_the_catalog_template():
    """``make extract`` has run since the last change of a message."""
    with (ROOT / "translations" / "messages.pot").open("rb") as fh:
        catalog = read_po(fh)
    assert [_name(c) for c in CLASSES if c.message not in catalog] == []


def test_status_may_differ_where_the_same_problem_is_elsewhere_in_the_request():
    in_query = InvalidLocale(locale="de--CH", http_status=400)
    assert (in_query.code, in_query.http_status, in_query.params) == ("invalid_locale", 400, {"locale": "de--CH"})
    assert InvalidLocale(locale="de--CH").http_status == InvalidLocale.http_status == 422
