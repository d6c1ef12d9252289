"""Every domain's models, imported so ``Base.metadata`` is complete
(Alembic autogenerate, the schema test, relationship resolution)."""
from storefront.catalog import models as catalog  # noqa: F401
from storefront.inventory import models as inventory  # noqa: F401
from storefront.markets import models as markets  # noqa: F401
from storefront.pricing import models as pricing  # noqa: F401
from storefront.tax import models as tax  # noqa: F401
from storefront.shipping import models as shipping  # noqa: F401
from storefront.checkout import models as checkout  # noqa: F401
from storefront.orders import models as orders  # noqa: F401
from storefront.admin import models as admin  # noqa: F401
from storefront import cache as cache_versions  # noqa: F401
