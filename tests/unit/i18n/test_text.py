import pytest

from storefront.i18n.text import fold, like_pattern, sort_key


@pytest.mark.parametrize(
    "text, folded",
    [("Crème Brûlée", "creme brulee"), ("Große Tasche", "grosse tasche"), ("  Two   spaces ", "two spaces"),
     ("ÉCOLE", "ecole"), ("ｆｕｌｌｗｉｄｔｈ", "fullwidth"), ("Ærø", "ærø")],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_like_pattern_escapes_wildcards():
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


def test_sort_key_truncates():
    assert len(sort_key("x" * 400)) == 255
