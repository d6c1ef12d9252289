import pytest

from storefront.config import ConfigError, load_config


def test_layers_and_environment_override():
    settings = load_config(env="test", environ={"PAGE_SIZE_DEFAULT": "12", "SQL_ECHO": "true", "UI_LANGUAGES": "en,de"})
    assert settings["PAGE_SIZE_DEFAULT"] == 12
    assert settings["SQL_ECHO"] is True
    assert settings["UI_LANGUAGES"] == ["en", "de"]
    assert settings["TESTING"] is True


def test_overrides_win():
    assert load_config(env="test", environ={}, overrides={"PORT": 8080})["PORT"] == 8080


def test_production_requires_secrets():
    with pytest.raises(ConfigError, match="DATABASE_URL.*STRIPE_SECRET_KEY"):
        load_config(env="production", environ={})


@pytest.mark.parametrize(
    "environ, message",
    [({"PORT": "eighty"}, "not a number"), ({"SQL_ECHO": "maybe"}, "not a boolean"),
     ({"PAGE_SIZE_DEFAULT": "500"}, "must not exceed"), ({"STOREFRONT_ENV": "staging"}, "expected one of")],
)
def test_bad_settings_stop_start_up(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_config(environ=environ)
