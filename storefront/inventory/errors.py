"""Errors of inventory: warehouses and their stock."""
from storefront.errors import N_, NotFound, StorefrontError


class WarehouseNotFound(NotFound):
    code = "warehouse_not_found"
    message = N_("There is no warehouse “%(warehouse)s”.")


class WarehouseExists(StorefrontError):
    code = "warehouse_exists"
    http_status = 409
    message = N_("A warehouse “%(warehouse)s” already exists.")


class BelowReserved(StorefrontError):
    code = "quantity_below_reserved"
    http_status = 409
    message = N_("%(reserved)s units are reserved for open orders; the quantity cannot be lower.")
