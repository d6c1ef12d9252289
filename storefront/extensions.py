"""Flask extensions, created unbound; ``create_app`` binds them."""
from flask_babel import Babel
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from storefront.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
api = Api()
