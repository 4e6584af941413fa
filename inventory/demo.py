"""Spare parts for the Shanghai demo: a catalogue matching the demo's equipment, two
warehouses and a returns cage, a van for every engineer with the parts of their trade,
reorder points (a few already below), reservations for assigned orders and a warehouse
queue of part requests — all booked through the inventory services, so the ledger
reconciles from the first minute.

Runs after the core demo (`app.demo`), on its engineers and orders; deterministic for
a seed."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.customers.models import Asset
from app.demo import ASSET_MODELS, DEMO_ACCOUNTS, DISTRICTS, distance_km, reference_day
from app.engineers.models import Engineer
from app.workorders.models import Status, WorkOrder
from inventory import part_requests, service
from inventory.models import LocationKind, Part, PartSerial, SerialStatus, StockLevel, StockLocation


@dataclass(frozen=True)
class _DemoPart:
    sku: str
    name: str
    skill: str
    unit_cost_cents: int
    serial_tracked: bool = False
    unit: str = "pcs"


CATALOGUE = [
    _DemoPart("HV-CMP-INV", "Inverter scroll compressor 变频涡旋压缩机", "hvac", 380000, True),
    _DemoPart("HV-PCB-OUT", "Outdoor unit inverter board 室外机变频板", "hvac", 120000, True),
    _DemoPart("HV-EXV-25", "Electronic expansion valve 电子膨胀阀", "hvac", 45000),
    _DemoPart("HV-FLT-SET", "Air filter set 空气过滤网套装", "hvac", 6000),
    _DemoPart("HV-R410A-10", "Refrigerant R410A, 10 kg cylinder 冷媒", "hvac", 85000, unit="cyl"),
    _DemoPart("HV-CAP-45", "Run capacitor 45 µF 运行电容", "hvac", 3500),
    _DemoPart("EL-UPS-BAT", "UPS battery module UPS电池模块", "electrical", 95000, True),
    _DemoPart("EL-IGBT-450", "IGBT module 450 A IGBT模块", "electrical", 150000, True),
    _DemoPart("EL-FAN-120", "Cooling fan 120 mm 散热风扇", "electrical", 8000),
    _DemoPart("EL-FUSE-63", "Fuse 63 A 熔断器", "electrical", 1200),
    _DemoPart("PL-SEAL-MEC", "Pump mechanical seal 机械密封", "plumbing", 18000),
    _DemoPart("PL-PRS-16", "Pressure transmitter 16 bar 压力变送器", "plumbing", 26000),
    _DemoPart("PL-ANODE", "Magnesium anode rod 镁棒", "plumbing", 9000),
    _DemoPart("EV-INV-15", "Elevator drive inverter 15 kW 电梯变频器", "elevator", 260000, True),
    _DemoPart("EV-BRK-PAD", "Brake pad set 制动片组", "elevator", 32000),
    _DemoPart("EV-DOOR-RL", "Landing door roller set 层门滚轮组", "elevator", 4500),
    _DemoPart("EV-LOCK-CT", "Door lock contact 门锁触点", "elevator", 7800),
    _DemoPart("FS-SMOKE", "Photoelectric smoke detector 光电感烟探测器", "fire_safety", 2800),
    _DemoPart("FS-BAT-7AH", "Panel battery 12 V 7 Ah 主机备用电池", "fire_safety", 1800),
    _DemoPart("FS-LOOP-MOD", "Loop interface module 回路模块", "fire_safety", 16000),
    _DemoPart("MI-XRAY-TUBE", "CT X-ray tube CT球管", "medical_imaging", 2800000, True),
    _DemoPart("MI-RF-COIL", "MR RF head coil 磁共振头线圈", "medical_imaging", 450000, True),
    _DemoPart("MI-US-PROBE", "Ultrasound convex probe 超声凸阵探头", "medical_imaging", 320000, True),
    _DemoPart("PV-MPPT-BRD", "MPPT control board MPPT控制板", "solar_inverter", 98000, True),
    _DemoPart("PV-FAN-EXT", "Inverter external fan 逆变器外风扇", "solar_inverter", 6800),
    _DemoPart("PV-SPD-DC", "DC surge protector 直流浪涌保护器", "solar_inverter", 4200),
    _DemoPart("IT-SFP-10G", "SFP+ 10G transceiver 光模块", "it_network", 25000, True),
    _DemoPart("IT-PSU-600", "Switch power supply 600 W 交换机电源", "it_network", 68000, True),
    _DemoPart("IT-HDD-8T", "Surveillance HDD 8 TB 监控硬盘", "it_network", 90000, True),
]

# Where the demo's stock lives (lon, lat).
WAREHOUSES = [("Pudong Central Warehouse 浦东中心仓", (121.6005, 31.2125)),
              ("Jiading North Warehouse 嘉定北仓", (121.2655, 31.3752))]
RETURNS_NAME = "Pudong Returns Cage 浦东退货区"
# Parts whose Jiading stock starts below its reorder point, so low stock shows something.
SHORT_IN_JIADING = ("HV-EXV-25", "EV-BRK-PAD", "FS-SMOKE")


def load_inventory_demo(session: Session, *, seed: int, today: date) -> dict[str, int]:
    """Book the demo's parts; answers how many of each thing were created."""
    rng = random.Random(seed + 4)
    keeper = _demo_user(session, "warehouse")
    dispatcher = _demo_user(session, "dispatcher")
    parts = _catalogue(session)
    warehouses, returns = _locations(session)
    serial_counter = iter(range(1, 10 ** 6))
    for part_spec, part in parts.items():
        for index, warehouse in enumerate(warehouses):
            quantity = _opening_quantity(rng, part_spec)
            if index == 1 and part_spec.sku in SHORT_IN_JIADING:
                quantity = 3
            serials = ([f"{part_spec.sku}-{next(serial_counter):06d}" for _ in range(quantity)]
                       if part_spec.serial_tracked else None)
            service.receive(session, actor=keeper, part_id=part.id, location_id=warehouse.id, quantity=quantity,
                            unit_cost_cents=round(part_spec.unit_cost_cents * rng.uniform(0.92, 1.04)),
                            serials=serials, note="opening stock")
            service.set_reorder_point(session, part_id=part.id, location_id=warehouse.id,
                                      minimum=max(2, quantity // 4) if index == 0 else 6,
                                      reorder_quantity=max(4, quantity // 2))
    vans = _stock_the_vans(session, rng, keeper, parts, warehouses)
    reserved = _reserve_for_assigned_orders(session, keeper, parts, vans)
    requests = _queue_part_requests(session, rng, dispatcher, keeper, parts, warehouses, vans, today)
    return {"parts": len(parts), "stock locations": len(warehouses) + 1 + len(vans),
            "reservations": reserved, "part requests": requests}


def _demo_user(session: Session, role: str) -> User:
    email = dict(DEMO_ACCOUNTS)[role]
    return session.scalars(select(User).where(User.email == email)).one()


def _catalogue(session: Session) -> dict[_DemoPart, Part]:
    return {spec: service.create_part(session, sku=spec.sku, name=spec.name, unit=spec.unit,
                                      unit_cost_cents=spec.unit_cost_cents, serial_tracked=spec.serial_tracked,
                                      compatible_models=[model for model, _ in ASSET_MODELS[spec.skill]])
            for spec in CATALOGUE}


def _locations(session: Session) -> tuple[list[StockLocation], StockLocation]:
    warehouses = [service.create_location(session, kind=LocationKind.WAREHOUSE, name=name, location=point)
                  for name, point in WAREHOUSES]
    returns = service.create_location(session, kind=LocationKind.RETURNS, name=RETURNS_NAME,
                                      location=WAREHOUSES[0][1])
    return warehouses, returns


def _opening_quantity(rng: random.Random, spec: _DemoPart) -> int:
    if spec.unit_cost_cents >= 1_000_000:
        return rng.randint(2, 3)
    if spec.serial_tracked:
        return rng.randint(6, 14)
    return rng.randint(40, 160)


def _stock_the_vans(session: Session, rng: random.Random, keeper: User, parts: dict[_DemoPart, Part],
                    warehouses: list[StockLocation]) -> dict[int, StockLocation]:
    """A van per active engineer, with a few of the cheaper parts of each of their trades
    from the nearer warehouse (the engineer's district decides). Answers vans by engineer id."""
    engineers = session.scalars(select(Engineer).where(Engineer.is_active.is_(True))
                                .options(selectinload(Engineer.skills), selectinload(Engineer.user))
                                .order_by(Engineer.id)).all()
    vans = {}
    for engineer in engineers:
        van = service.create_location(session, kind=LocationKind.VAN, name=f"Van 车 · {engineer.user.name}",
                                      engineer_id=engineer.id)
        vans[engineer.id] = van
        nearest = _nearest_warehouse(engineer.home_district)
        trades = sorted(skill.skill_code for skill in engineer.skills)
        for spec, part in parts.items():
            if spec.skill not in trades or spec.unit_cost_cents >= 200000:
                continue
            quantity = 1 if spec.serial_tracked else rng.randint(2, 6)
            # From the nearer warehouse unless it is running short; none when both are.
            reserve = 2 if spec.serial_tracked else 4 * quantity
            source = next((w for w in (warehouses[nearest], *warehouses)
                           if _available(session, part, w) >= quantity + reserve), None)
            if source is None:
                continue
            serials = _serials_at(session, part, source, quantity) if spec.serial_tracked else None
            service.transfer(session, actor=keeper, part_id=part.id, from_location_id=source.id,
                             to_location_id=van.id, quantity=quantity, serials=serials, note="van replenishment")
    return vans


def _nearest_warehouse(district_name: str | None) -> int:
    """Index in WAREHOUSES of the one nearest the district's centre (the first when unknown)."""
    centre = next(((d.lon, d.lat) for d in DISTRICTS if d.name == district_name), None)
    if centre is None:
        return 0
    return min(range(len(WAREHOUSES)), key=lambda i: distance_km(centre, WAREHOUSES[i][1]))


def _available(session: Session, part: Part, location: StockLocation) -> int:
    level = session.get(StockLevel, (part.id, location.id))
    return level.on_hand - level.reserved if level else 0


def _serials_at(session: Session, part: Part, location: StockLocation, quantity: int) -> list[str]:
    return list(session.scalars(select(PartSerial.serial).where(
        PartSerial.part_id == part.id, PartSerial.location_id == location.id,
        PartSerial.status == SerialStatus.IN_STOCK).order_by(PartSerial.serial).limit(quantity)))


def _assigned_orders_with_assets(session: Session) -> list[tuple[WorkOrder, str]]:
    """Assigned orders on equipment, with the trade of that equipment, by number."""
    trade_of_model = {model: skill for skill, models in ASSET_MODELS.items() for model, _ in models}
    rows = session.execute(select(WorkOrder, Asset.model).join(Asset, Asset.id == WorkOrder.asset_id)
                           .where(WorkOrder.status == Status.ASSIGNED, WorkOrder.scheduled_engineer_id.is_not(None))
                           .order_by(WorkOrder.number)).all()
    return [(order, trade_of_model[model]) for order, model in rows if model in trade_of_model]


def _reserve_for_assigned_orders(session: Session, keeper: User, parts: dict[_DemoPart, Part],
                                 vans: dict[int, StockLocation]) -> int:
    """Every third assigned order has one part of its trade set aside in its engineer's van."""
    reserved = 0
    for order, trade in _assigned_orders_with_assets(session)[::3]:
        van = vans.get(order.scheduled_engineer_id)
        candidates = [p for spec, p in parts.items() if spec.skill == trade and not spec.serial_tracked]
        if van is None or not candidates:
            continue
        part = candidates[order.id % len(candidates)]
        try:
            with session.begin_nested():
                service.reserve(session, actor=keeper, part_id=part.id, location_id=van.id,
                                work_order_id=order.id, quantity=1, note="for the visit")
            reserved += 1
        except service.InsufficientStockError:
            continue   # that van has none of it: fine for a demo
    return reserved


def _queue_part_requests(session: Session, rng: random.Random, dispatcher: User, keeper: User,
                         parts: dict[_DemoPart, Part], warehouses: list[StockLocation],
                         vans: dict[int, StockLocation], today: date) -> int:
    """A morning's queue at the warehouse: a dozen requests for assigned orders, one
    being picked, two unavailable (one holding its order) and two already sent."""
    orders = [(o, t) for o, t in _assigned_orders_with_assets(session)[1::3] if o.scheduled_engineer_id in vans]
    # Expected dates must not be in the past, even for a demo built for an earlier day.
    today = max(today, reference_day())
    created = 0
    for n, (order, trade) in enumerate(orders[:12]):
        candidates = [p for spec, p in parts.items() if spec.skill == trade]
        part = candidates[rng.randrange(len(candidates))]
        request = part_requests.create(session, actor=dispatcher, work_order_id=order.id, part_id=part.id,
                                       quantity=1, note="needed for the visit")
        created += 1
        if n == 0:
            part_requests.pick(session, actor=keeper, request_id=request.id)
        elif n in (1, 2):
            part_requests.mark_unavailable(session, actor=keeper, request_id=request.id,
                                           expected_date=today + timedelta(days=3 + n), hold_order=n == 1,
                                           note="supplier back-order")
        elif n in (3, 4):
            serials = _serials_at(session, part, warehouses[0], 1) if part.serial_tracked else None
            part_requests.fulfil(session, actor=keeper, request_id=request.id, from_location_id=warehouses[0].id,
                                 serials=serials)
    return created
