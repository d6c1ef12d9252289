"""What a cart and its order tell the shopper: each notice code with its
message (translated where it is shown). Checkout raises them; orders keep
the codes and repeat them in the order and its confirmation."""
from __future__ import annotations

from storefront.errors import N_

NOTICES = {
    "market_changed": N_("Your cart moved to the %(to)s market for delivery to this address; prices are now in %(currency)s."),
    "items_removed": N_("Some items are not sold in this market and were removed: %(skus)s."),
    "reverse_charge": N_("Reverse charge: the buyer accounts for the VAT (VAT Directive Art. 196). No VAT is charged."),
    "duties_due_on_delivery": N_("Import duties and taxes may be due on delivery."),
    "tax_at_address": N_("Taxes are calculated once the delivery address is known."),
    "free_shipping": N_("Free shipping."),
}
