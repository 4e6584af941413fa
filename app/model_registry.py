"""Import every model module so `Base.metadata` is complete (Alembic, tests)."""
from app.auth import models as auth_models  # noqa: F401
from app.customers import models as customer_models  # noqa: F401
from app.engineers import models as engineer_models  # noqa: F401
from app.workorders import models as workorder_models  # noqa: F401
from app.db import Base
from app.idempotency import models as idempotency_models  # noqa: F401
from dispatch import models as dispatch_models  # noqa: F401
from inventory import models as inventory_models  # noqa: F401

metadata = Base.metadata
