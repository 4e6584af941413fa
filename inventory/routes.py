"""The inventory API under /api/v1/inventory: catalogue, locations, levels, movements."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from app.api import Blueprint, ErrorSchema
from app.auth.models import Role
from app.db import get_session, unit_of_work
from app.engineers.models import Engineer
from app.idempotency.web import IDEMPOTENCY_KEY_PARAMETER, idempotent
from app.pagination import paginate
from app.workorders.access import get_visible_order
from inventory import queries, service
from app.errors import PermissionDeniedError
from inventory.models import StockLevel, StockLocation
from inventory.schemas import (AdjustmentSchema, AssetPartsSchema, AvailabilityQueryArgsSchema, AvailabilitySchema,
                               IssueSchema, LowStockSchema, MovementQueryArgsSchema, ReconciliationSchema, OrderPartsCostSchema, PartCreateSchema,
                               PartQueryArgsSchema, PartSchema, PartSerialSchema, ReceiptSchema, RemovalSchema, ReorderPointSchema,
                               ReservationSchema, ReturnSchema, ScrapSchema, SerialQueryArgsSchema, StockLevelQueryArgsSchema,
                               StockLevelSchema, StockLocationCreateSchema, StockLocationSchema, StockMovementSchema,
                               TransferSchema)

blp = Blueprint("inventory", __name__, url_prefix="/api/v1/inventory",
                description="Spare parts: catalogue, stock locations, levels and the movement ledger")

STOCK_KEEPERS = (Role.WAREHOUSE, Role.MANAGER)
READERS = (Role.WAREHOUSE, Role.MANAGER, Role.DISPATCHER, Role.AGENT)
ISSUERS = (Role.WAREHOUSE, Role.MANAGER, Role.DISPATCHER)
FIELD = (Role.ENGINEER, Role.PARTNER_ENGINEER)
CONFLICTS = ("Not enough free stock (`insufficient_stock`), a serial that is not where it should be "
             "(`serial_conflict`), or the order is closed (`conflict`)")


@blp.route("/parts")
class Parts(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(PartQueryArgsSchema, location="query")
    @blp.response(200, PartSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Search the parts catalogue by SKU, name or compatible model."""
        return paginate(get_session(), service.parts_query(q=args.get("q")), pagination_parameters)

    @blp.requires_role(*STOCK_KEEPERS)
    @blp.arguments(PartCreateSchema)
    @blp.response(201, PartSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="The SKU exists (`conflict`)")
    def post(self, data):
        """Add a part to the catalogue."""
        with unit_of_work() as session:
            return service.create_part(session, **data)


@blp.route("/locations")
class Locations(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, StockLocationSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """Warehouses, vans and return locations."""
        query = select(StockLocation).where(StockLocation.is_active.is_(True)).order_by(StockLocation.id)
        return paginate(get_session(), query, pagination_parameters)

    @blp.requires_role(*STOCK_KEEPERS)
    @blp.arguments(StockLocationCreateSchema)
    @blp.response(201, StockLocationSchema)
    @blp.alt_response(409, schema=ErrorSchema, description="Name taken, or the engineer has a van (`conflict`)")
    @blp.alt_response(422, schema=ErrorSchema, description="A van without an engineer, or the reverse")
    def post(self, data):
        """Add a warehouse (with its point), an engineer's van or a return location."""
        with unit_of_work() as session:
            return service.create_location(session, **data)


def own_van_id(session, user) -> int | None:
    """The van of a field engineer's user, if they have one."""
    return session.scalar(select(StockLocation.id).join(Engineer, Engineer.id == StockLocation.engineer_id)
                          .where(Engineer.user_id == user.id, StockLocation.is_active.is_(True)))


@blp.route("/levels")
class Levels(MethodView):
    @blp.requires_role(*READERS, *FIELD)
    @blp.arguments(StockLevelQueryArgsSchema, location="query")
    @blp.response(200, StockLevelSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Stock on hand, reserved and available per part and location, by SKU, with the
        part, the location and the reorder point (`low` when available is below its
        minimum). Search the part's SKU or name with `q`; `low=true` keeps the levels
        below their reorder point. Engineers see their own van only."""
        session = get_session()
        if current_user.role in FIELD:
            van = own_van_id(session, current_user)
            if van is None or args.get("location_id", van) != van:
                raise PermissionDeniedError("Engineers see the stock of their own van")
            args["location_id"] = van
        return paginate(session, service.levels_query(**args), pagination_parameters)


@blp.route("/serials")
class Serials(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(SerialQueryArgsSchema, location="query")
    @blp.response(200, PartSerialSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown part or location (`not_found`)")
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The units of a serial-tracked part by serial number: by default those in stock,
        at one location with `location_id` — the serials to choose from when sending,
        transferring or counting them."""
        session = get_session()
        service.get_part(session, args["part_id"])
        if args.get("location_id") is not None:
            service.get_location(session, args["location_id"])
        return paginate(session, service.serials_query(**args), pagination_parameters)


def _field_issue_allowed(session, data) -> None:
    """An engineer consumes parts from their own van on an order assigned to them."""
    get_visible_order(session, data["work_order_id"], current_user)
    if data["location_id"] != own_van_id(session, current_user):
        raise PermissionDeniedError("Engineers use parts from their own van")


def _movement_endpoint(path: str, schema, function, roles, summary: str, field_check=None) -> None:
    def view(data):
        with unit_of_work() as session:
            if current_user.role in FIELD:
                field_check(session, data)
            return function(session, actor=current_user, **data)

    # The docstring is read when the route is registered, so it is set first.
    view.__doc__ = summary
    view.__name__ = path.strip("/")
    decorated = blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])(view)
    decorated = blp.alt_response(409, schema=ErrorSchema, description=CONFLICTS)(decorated)
    decorated = blp.alt_response(404, schema=ErrorSchema,
                                 description="Unknown part, location or order (`not_found`)")(decorated)
    decorated = blp.response(201, StockMovementSchema)(decorated)
    decorated = blp.arguments(schema)(decorated)
    decorated = idempotent(decorated)
    decorated = blp.requires_role(*roles)(decorated)
    blp.route(path, methods=["POST"], endpoint=view.__name__)(decorated)


_movement_endpoint("/receipts", ReceiptSchema, service.receive, STOCK_KEEPERS,
                   "Receive stock from a supplier at a unit cost (moving average).")
_movement_endpoint("/transfers", TransferSchema, service.transfer, STOCK_KEEPERS,
                   "Move stock between warehouses and vans.")
_movement_endpoint("/issues", IssueSchema, service.issue_to_order, (*ISSUERS, *FIELD),
                   "Consume parts on a work order; stock never goes below zero. What the order had "
                   "reserved at that location is used first; serial-tracked parts are named by serial and "
                   "recorded as installed in the order's asset. Engineers use parts from their own van on "
                   "their own orders.", field_check=_field_issue_allowed)
_movement_endpoint("/reservations", ReservationSchema, service.reserve, ISSUERS,
                   "Reserve parts at a location for a work order (they stop being available to others).")
_movement_endpoint("/releases", ReservationSchema, service.release, ISSUERS,
                   "Release (part of) a work order's reservation.")
_movement_endpoint("/returns", ReturnSchema, service.return_from_order, STOCK_KEEPERS,
                   "Take parts back from a work order: unused ones to stock, defective ones to a return "
                   "location; the order's parts cost drops accordingly.")
_movement_endpoint("/removals", RemovalSchema, service.remove_from_asset, STOCK_KEEPERS,
                   "Book an old part taken out of the order's asset (the one a new part replaced) into a "
                   "return location. It carries no cost and the order's parts cost is unchanged; the asset's "
                   "history shows it removed, by serial for serial-tracked parts.")
_movement_endpoint("/scraps", ScrapSchema, service.scrap, STOCK_KEEPERS, "Write stock off, with the reason.")


@blp.route("/adjustments")
class Adjustments(MethodView):
    @blp.requires_role(*STOCK_KEEPERS)
    @idempotent
    @blp.arguments(AdjustmentSchema)
    @blp.response(200, StockLevelSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown part or location (`not_found`)")
    @blp.alt_response(409, schema=ErrorSchema, description="The count is below what is reserved (`conflict`), or "
                      "a counted serial is recorded elsewhere (`serial_conflict`)")
    @blp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])
    def post(self, data):
        """Record a stock count: on-hand becomes what was counted; the difference is a
        ledger row with the reason. Serial-tracked parts are counted by serial: units not
        found become lost, units found come into stock. Answers the level after the count."""
        with unit_of_work() as session:
            service.adjust(session, actor=current_user, **data)
            return session.get(StockLevel, (data["part_id"], data["location_id"]))


@blp.route("/movements")
class Movements(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(MovementQueryArgsSchema, location="query")
    @blp.response(200, StockMovementSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The ledger, newest first, filtered by part, location (either side), work order
        or kind."""
        return paginate(get_session(), queries.movements_query(**args), pagination_parameters)


@blp.route("/reconciliation")
class Reconciliation(MethodView):
    @blp.requires_role(*STOCK_KEEPERS)
    @blp.response(200, ReconciliationSchema)
    def get(self):
        """Prove the cached stock levels equal the ledger: on-hand against the sum of
        movements, reserved against the open reservations, and for serial-tracked parts
        the units in stock against on-hand. `differences` is empty when all agree (the
        same check as `flask inventory reconcile`)."""
        differences = queries.reconcile(get_session())
        return {"consistent": not differences, "differences": differences}


@blp.route("/work-orders/<int:order_id>/parts-cost")
class OrderPartsCost(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, OrderPartsCostSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such order (`not_found`)")
    def get(self, order_id):
        """The parts of a work order and their cost: per part what was issued to it, what
        came back and what is still reserved for it; the total is issued minus returned,
        at average cost."""
        session = get_session()
        get_visible_order(session, order_id, current_user)
        return {"work_order_id": order_id, "parts_cost_cents": queries.parts_cost_of_order(session, order_id),
                "lines": queries.order_parts_with_reservations(session, order_id)}


@blp.route("/assets/<int:asset_id>/parts")
class AssetParts(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, AssetPartsSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such asset (`not_found`)")
    def get(self, asset_id):
        """What went into and came out of an asset: parts installed on its orders, parts
        returned from them and old parts removed (with serials), and the serial-tracked
        units in it now."""
        return queries.asset_parts(get_session(), asset_id)


@blp.route("/reorder-points")
class ReorderPoints(MethodView):
    @blp.requires_role(*STOCK_KEEPERS)
    @blp.arguments(ReorderPointSchema)
    @blp.response(200, ReorderPointSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown part or location (`not_found`)")
    def put(self, data):
        """Set the minimum available quantity of a part at a location, and how many to reorder."""
        with unit_of_work() as session:
            return service.set_reorder_point(session, **data)


@blp.route("/low-stock")
class LowStock(MethodView):
    @blp.requires_role(*READERS)
    @blp.response(200, LowStockSchema(many=True))
    def get(self):
        """Parts below their reorder point (available = on hand − reserved)."""
        return queries.low_stock(get_session())


@blp.route("/availability")
class Availability(MethodView):
    @blp.requires_role(*READERS)
    @blp.arguments(AvailabilityQueryArgsSchema, location="query")
    @blp.response(200, AvailabilitySchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="Unknown order or part (`not_found`)")
    def get(self, args):
        """Where the parts an order needs are: warehouses and vans holding enough free
        units, nearest to the order's site first."""
        session = get_session()
        get_visible_order(session, args["work_order_id"], current_user)
        return queries.availability_near(session, **args)
