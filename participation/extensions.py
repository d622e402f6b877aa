"""Flask extensions, created once and bound to the app in create_app()."""

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from events.models import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
login = LoginManager()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()
