"""Request and response bodies of the inventory API."""
from __future__ import annotations

import marshmallow as ma

from app.api import SchemaBase
from app.geo_fields import GeoJSONPoint
from inventory.models import LocationKind, MovementKind, PartRequestStatus, SerialStatus
from inventory.serials import MAX_SERIAL_LENGTH
from inventory.service import MAX_QUANTITY

_quantity = dict(required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_QUANTITY),
                 metadata={"description": f"Whole units, 1 to {MAX_QUANTITY}"})
_id = dict(required=True, strict=True, validate=ma.validate.Range(min=1))


def _serials(description: str = "For a serial-tracked part, one serial number per unit; none otherwise"):
    return ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_SERIAL_LENGTH)),
                          load_default=list, validate=ma.validate.Length(max=MAX_QUANTITY),
                          metadata={"description": description})


class PartCreateSchema(SchemaBase):
    sku = ma.fields.String(required=True, validate=ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$"))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    unit = ma.fields.String(load_default="pcs", validate=ma.validate.Length(min=1, max=16))
    unit_cost_cents = ma.fields.Integer(strict=True, load_default=0, validate=ma.validate.Range(min=0, max=10**9))
    serial_tracked = ma.fields.Boolean(load_default=False)
    compatible_models = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
                                       load_default=list, validate=ma.validate.Length(max=200))


class PartSchema(ma.Schema):
    id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    unit = ma.fields.String()
    unit_cost_cents = ma.fields.Integer()
    serial_tracked = ma.fields.Boolean()
    compatible_models = ma.fields.List(ma.fields.String())


class PartQueryArgsSchema(ma.Schema):
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                         metadata={"description": "Text in the SKU, name or a compatible model"})


class StockLocationCreateSchema(SchemaBase):
    kind = ma.fields.Enum(LocationKind, by_value=True, required=True)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    location = GeoJSONPoint(allow_none=True)
    engineer_id = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=1),
                                    metadata={"description": "Required for a van, its engineer"})


class StockLocationSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(LocationKind, by_value=True)
    name = ma.fields.String()
    location = GeoJSONPoint(allow_none=True)
    engineer_id = ma.fields.Integer(allow_none=True)


class StockLevelQueryArgsSchema(ma.Schema):
    part_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    location_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=200),
                         metadata={"description": "Text in the part's SKU or name"})
    low = ma.fields.Boolean(metadata={"description": "true: only levels below their reorder point; false: the others"})


class StockLevelSchema(ma.Schema):
    part_id = ma.fields.Integer()
    sku = ma.fields.Function(lambda level: level.part.sku)
    part_name = ma.fields.Function(lambda level: level.part.name)
    unit = ma.fields.Function(lambda level: level.part.unit)
    serial_tracked = ma.fields.Function(lambda level: level.part.serial_tracked)
    location_id = ma.fields.Integer()
    location_name = ma.fields.Function(lambda level: level.location.name)
    location_kind = ma.fields.Function(lambda level: level.location.kind.value)
    on_hand = ma.fields.Integer()
    reserved = ma.fields.Integer()
    available = ma.fields.Integer(metadata={"description": "on_hand − reserved"})
    average_cost_cents = ma.fields.Integer()
    minimum = ma.fields.Function(lambda level: level.reorder_point.minimum if level.reorder_point else None,
                                 allow_none=True, metadata={"description": "The reorder point's minimum available; "
                                                                           "null without one"})
    reorder_quantity = ma.fields.Function(
        lambda level: level.reorder_point.reorder_quantity if level.reorder_point else None, allow_none=True)
    low = ma.fields.Boolean(attribute="is_low", metadata={"description": "available < minimum"})


class SerialQueryArgsSchema(ma.Schema):
    part_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    location_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    status = ma.fields.Enum(SerialStatus, by_value=True, load_default=SerialStatus.IN_STOCK,
                            metadata={"description": "Default: in stock"})


class PartSerialSchema(ma.Schema):
    part_id = ma.fields.Integer()
    serial = ma.fields.String()
    status = ma.fields.Enum(SerialStatus, by_value=True)
    location_id = ma.fields.Integer(allow_none=True)
    work_order_id = ma.fields.Integer(allow_none=True)
    asset_id = ma.fields.Integer(allow_none=True)
    updated_at = ma.fields.DateTime()


class ReceiptSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    location_id = ma.fields.Integer(**_id)
    quantity = ma.fields.Integer(**_quantity)
    unit_cost_cents = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=10**9))
    serials = _serials("For a serial-tracked part, the new units' serial numbers, one per unit")
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class TransferSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    from_location_id = ma.fields.Integer(**_id)
    to_location_id = ma.fields.Integer(**_id)
    quantity = ma.fields.Integer(**_quantity)
    serials = _serials()
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class IssueSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    location_id = ma.fields.Integer(**_id)
    work_order_id = ma.fields.Integer(**_id)
    quantity = ma.fields.Integer(**_quantity)
    serials = _serials("For a serial-tracked part, the units used (installed in the order's asset)")
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class ReservationSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    location_id = ma.fields.Integer(**_id)
    work_order_id = ma.fields.Integer(**_id)
    quantity = ma.fields.Integer(**_quantity)
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class ReturnSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    work_order_id = ma.fields.Integer(**_id)
    to_location_id = ma.fields.Integer(**_id)
    quantity = ma.fields.Integer(**_quantity)
    defective = ma.fields.Boolean(load_default=False,
                                  metadata={"description": "Defective parts go to a `returns` location"})
    serials = _serials("For a serial-tracked part, the units coming back (issued to this order)")
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class RemovalSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    work_order_id = ma.fields.Integer(**_id, metadata={"description": "The order whose asset the part came out of"})
    to_location_id = ma.fields.Integer(**_id, metadata={"description": "A `returns` location"})
    quantity = ma.fields.Integer(**_quantity)
    serials = _serials("For a serial-tracked part, the serial numbers of the old units")
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class AdjustmentSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    location_id = ma.fields.Integer(**_id)
    counted = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=MAX_QUANTITY),
                                metadata={"description": "What the stock count found"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))
    serials = _serials("For a serial-tracked part, every serial found (as many as `counted`)")


class ScrapSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    location_id = ma.fields.Integer(**_id)
    quantity = ma.fields.Integer(**_quantity)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))
    serials = _serials()


class StockMovementSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.Enum(MovementKind, by_value=True)
    part_id = ma.fields.Integer()
    from_location_id = ma.fields.Integer(allow_none=True)
    to_location_id = ma.fields.Integer(allow_none=True)
    quantity = ma.fields.Integer()
    unit_cost_cents = ma.fields.Integer()
    work_order_id = ma.fields.Integer(allow_none=True)
    asset_id = ma.fields.Integer(allow_none=True, metadata={"description": "The asset the parts went into or came out of"})
    serials = ma.fields.List(ma.fields.String())
    actor_id = ma.fields.Integer()
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class OrderPartLineSchema(ma.Schema):
    part_id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    unit = ma.fields.String()
    issued = ma.fields.Integer()
    returned = ma.fields.Integer()
    cost_cents = ma.fields.Integer(metadata={"description": "Issued minus returned, at their issue cost"})
    reserved = ma.fields.Integer(metadata={"description": "Set aside for the order and not used yet"})


class OrderPartsCostSchema(ma.Schema):
    work_order_id = ma.fields.Integer()
    parts_cost_cents = ma.fields.Integer(metadata={"description": "Issued to the order minus what came back, "
                                                                  "at average cost"})
    lines = ma.fields.List(ma.fields.Nested(OrderPartLineSchema), metadata={
        "description": "Per part issued, returned or reserved, by SKU"})


class ReorderPointSchema(SchemaBase):
    part_id = ma.fields.Integer(**_id)
    location_id = ma.fields.Integer(**_id)
    minimum = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=MAX_QUANTITY))
    reorder_quantity = ma.fields.Integer(required=True, strict=True,
                                         validate=ma.validate.Range(min=1, max=MAX_QUANTITY))


class LowStockSchema(ma.Schema):
    part_id = ma.fields.Integer()
    sku = ma.fields.String()
    location_id = ma.fields.Integer()
    location = ma.fields.String()
    available = ma.fields.Integer()
    minimum = ma.fields.Integer()
    reorder_quantity = ma.fields.Integer()


class AvailabilityQueryArgsSchema(ma.Schema):
    work_order_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    part_id = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))
    quantity = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=MAX_QUANTITY))


class AvailabilitySchema(ma.Schema):
    location_id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    engineer_id = ma.fields.Integer(allow_none=True)
    available = ma.fields.Integer()
    distance_m = ma.fields.Integer(metadata={"description": "From the order's site, metres (PostGIS)"})


class AssetPartChangeSchema(ma.Schema):
    movement_id = ma.fields.Integer()
    at = ma.fields.DateTime()
    change = ma.fields.String(metadata={"description": "`installed` or `removed`"})
    kind = ma.fields.String(metadata={"description": "The ledger movement: issue, return or removal"})
    part_id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    quantity = ma.fields.Integer()
    serials = ma.fields.List(ma.fields.String())
    work_order_id = ma.fields.Integer()
    work_order_number = ma.fields.String()
    note = ma.fields.String(allow_none=True)


class InstalledUnitSchema(ma.Schema):
    part_id = ma.fields.Integer()
    sku = ma.fields.String()
    name = ma.fields.String()
    serial = ma.fields.String()
    work_order_id = ma.fields.Integer()
    since = ma.fields.DateTime()


class AssetPartsSchema(ma.Schema):
    asset_id = ma.fields.Integer()
    installed = ma.fields.List(ma.fields.Nested(InstalledUnitSchema),
                               metadata={"description": "Serial-tracked units in the asset now"})
    history = ma.fields.List(ma.fields.Nested(AssetPartChangeSchema), metadata={"description": "Oldest first"})


class PartRequestCreateSchema(SchemaBase):
    work_order_id = ma.fields.Integer(**_id)
    part_id = ma.fields.Integer(**_id)
    quantity = ma.fields.Integer(**_quantity)
    to_location_id = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1), metadata={
        "description": "Where the parts go; by default the van of the order's engineer"})
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class PartRequestQueryArgsSchema(ma.Schema):
    status = ma.fields.List(ma.fields.Enum(PartRequestStatus, by_value=True), metadata={
        "description": "Default: the pending ones (open, picking, unavailable)"})
    work_order_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    to_location_id = ma.fields.Integer(validate=ma.validate.Range(min=1))


class FulfilSchema(SchemaBase):
    from_location_id = ma.fields.Integer(**_id, metadata={"description": "Where the parts are picked"})
    serials = _serials("For a serial-tracked part, the units sent")
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class UnavailableSchema(SchemaBase):
    expected_date = ma.fields.Date(required=True, metadata={"description": "When the parts should be in"})
    hold_order = ma.fields.Boolean(load_default=False, metadata={
        "description": "Put the order on hold (`waiting_parts`) until the parts are sent"})
    note = ma.fields.String(validate=ma.validate.Length(max=1000))


class CancelRequestSchema(SchemaBase):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class EmptyBodySchema(SchemaBase):
    pass


class PartRequestSchema(ma.Schema):
    id = ma.fields.Integer()
    work_order_id = ma.fields.Integer()
    work_order_number = ma.fields.Function(lambda r: r.work_order.number)
    work_order_status = ma.fields.Function(lambda r: r.work_order.status.value)
    scheduled_start = ma.fields.Function(
        lambda r: r.work_order.scheduled_start.isoformat() if r.work_order.scheduled_start else None,
        metadata={"description": "When the visit is planned: the queue is worked soonest first"})
    priority = ma.fields.Function(lambda r: r.work_order.priority.value)
    engineer_id = ma.fields.Function(lambda r: r.work_order.scheduled_engineer_id, allow_none=True,
                                     metadata={"description": "The order's scheduled engineer"})
    engineer_name = ma.fields.Function(
        lambda r: r.work_order.scheduled_engineer.name if r.work_order.scheduled_engineer else None, allow_none=True)
    part_id = ma.fields.Integer()
    sku = ma.fields.Function(lambda r: r.part.sku)
    part_name = ma.fields.Function(lambda r: r.part.name)
    quantity = ma.fields.Integer()
    serial_tracked = ma.fields.Function(lambda r: r.part.serial_tracked)
    to_location_id = ma.fields.Integer()
    to_location_name = ma.fields.Function(lambda r: r.to_location.name)
    from_location_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.Enum(PartRequestStatus, by_value=True)
    expected_date = ma.fields.Date(allow_none=True)
    held_order = ma.fields.Boolean()
    requested_by_id = ma.fields.Integer()
    handled_by_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    fulfilled_at = ma.fields.DateTime(allow_none=True)


class MovementQueryArgsSchema(ma.Schema):
    part_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    location_id = ma.fields.Integer(validate=ma.validate.Range(min=1),
                                    metadata={"description": "Movements into or out of this location"})
    work_order_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    kind = ma.fields.Enum(MovementKind, by_value=True)


class DifferenceSchema(ma.Schema):
    part_id = ma.fields.Integer()
    location_id = ma.fields.Integer()
    what = ma.fields.String(metadata={"description": "`on_hand`, `reserved` or `serials`"})
    cached = ma.fields.Integer()
    ledger = ma.fields.Integer()


class ReconciliationSchema(ma.Schema):
    consistent = ma.fields.Boolean()
    differences = ma.fields.List(ma.fields.Nested(DifferenceSchema))
