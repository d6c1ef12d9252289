"""The console's pages: one module per page, each adding its routes to
``storefront.console.blueprint.bp`` and its navigation entry with
``storefront.console.nav.register``. Every module here is imported by
``storefront.console.init_app`` (alphabetically)."""
