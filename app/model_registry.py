"""Import every model module so `Base.metadata` is complete (Alembic, tests)."""
from app.auth import models as auth_models
from app.customers import models as customer_models
from app.db import Base
from app.engineers import models as engineer_models
from app.idempotency import models as idempotency_models
from app.workorders import checklist_models
from app.workorders import models as workorder_models
from automation import models as automation_models
from customer_links import models as customer_link_models
from dispatch import models as dispatch_models
from expenses import models as expense_models
from inventory import models as inventory_models
from notifications import models as notification_models
from push import models as push_models
from sla import models as sla_models
from tracking import models as tracking_models

# Named so that the imports above are visibly used: each registers its tables.
MODEL_MODULES = (auth_models, customer_models, engineer_models, workorder_models, idempotency_models,
                 dispatch_models, inventory_models, sla_models, notification_models, automation_models,
                 push_models, checklist_models, tracking_models, expense_models,
                 customer_link_models)
metadata = Base.metadata
