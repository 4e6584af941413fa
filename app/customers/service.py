"""Customers, contacts, sites and assets: queries and the rules for changing them.

List functions return SELECT statements for the caller to paginate; the others load,
create or change rows, flush, and raise DomainErrors for input that breaks a rule.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import Select, cast, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import Role, User
from app.customers.models import Asset, Contact, Customer, CustomerTier, Site
from app.engineers.models import Engineer
from app.errors import ConflictError, NotFoundError, ValidationFailedError
from app.geo import BoundingBox, make_point, wgs84_point, within_box
from app.workorders.access import customer_id_of
from app.workorders.models import WorkOrder

CUSTOMER_FIELDS = frozenset({"name", "tier", "phone", "email", "notes"})
CONTACT_FIELDS = frozenset({"name", "phone", "email", "user_id"})
SITE_FIELDS = frozenset({"name", "address", "district", "location", "geofence_radius_m", "access_notes"})
ASSET_FIELDS = frozenset({"site_id", "model", "serial_number", "installed_on", "warranty_until"})


def _apply_changes(entity: Any, changes: Mapping[str, Any], editable: frozenset[str]) -> None:
    unexpected = set(changes) - editable
    if unexpected:
        # The API's schemas only let editable fields through: this is a programming error.
        raise TypeError(f"{type(entity).__name__} fields not editable here: {sorted(unexpected)}")
    for field, value in changes.items():
        setattr(entity, field, value)


# --- customers ---------------------------------------------------------------------------

def customer_query(*, q: str | None = None, tier: CustomerTier | None = None) -> Select:
    """Customers by name, optionally matching `q` in name, phone or e-mail, and of a tier."""
    query = select(Customer).order_by(Customer.name, Customer.id)
    if q:
        query = query.where(or_(Customer.name.icontains(q, autoescape=True),
                                Customer.phone.icontains(q, autoescape=True),
                                Customer.email.icontains(q, autoescape=True)))
    if tier is not None:
        query = query.where(Customer.tier == tier)
    return query


def get_customer(session: Session, customer_id: int) -> Customer:
    """The customer with this id. Raises NotFoundError."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(f"Customer {customer_id} not found", customer_id=customer_id)
    return customer


def get_visible_customer(session: Session, customer_id: int, *, viewer: User) -> Customer:
    """The customer with this id if `viewer` may see it, with contacts and sites loaded.

    A customer-role user sees only the customer it is a contact of; every other id
    raises NotFoundError, as an unknown id does, so other customers' ids do not leak.
    """
    if viewer.role is Role.CUSTOMER and customer_id_of(session, viewer) != customer_id:
        raise NotFoundError(f"Customer {customer_id} not found", customer_id=customer_id)
    customer = session.scalar(select(Customer).where(Customer.id == customer_id)
                              .options(selectinload(Customer.contacts), selectinload(Customer.sites)))
    if customer is None:
        raise NotFoundError(f"Customer {customer_id} not found", customer_id=customer_id)
    return customer


def create_customer(session: Session, *, name: str, tier: CustomerTier = CustomerTier.STANDARD,
                    phone: str | None = None, email: str | None = None, notes: str | None = None) -> Customer:
    """Create a customer."""
    customer = Customer(name=name, tier=tier, phone=phone, email=email, notes=notes)
    session.add(customer)
    session.flush()
    return customer


# Parts of the system that depend on a customer's tier (the SLA policy of its orders)
# register here at start-up; each runs in the transaction that changed the tier.
TierChangeHook = Callable[[Session, Customer], None]
_tier_change_hooks: list[TierChangeHook] = []


def on_tier_change(hook: TierChangeHook) -> TierChangeHook:
    """Register `hook` (once) to run after a customer's tier changes."""
    if hook not in _tier_change_hooks:
        _tier_change_hooks.append(hook)
    return hook


def update_customer(session: Session, *, customer_id: int, **changes: Any) -> Customer:
    """Change a customer's name, tier, phone, e-mail or notes. Raises NotFoundError."""
    customer = get_customer(session, customer_id)
    old_tier = customer.tier
    _apply_changes(customer, changes, CUSTOMER_FIELDS)
    session.flush()
    if customer.tier is not old_tier:
        for hook in _tier_change_hooks:
            hook(session, customer)
    return customer


# --- contacts ----------------------------------------------------------------------------

def contact_query(*, customer_id: int) -> Select:
    """The contacts of one customer, oldest first."""
    return select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)


def _check_user_link(session: Session, *, user_id: int, contact_id: int | None = None) -> None:
    """A contact may sign in as `user_id` only if that user has role customer and speaks
    for no other contact. Raises NotFoundError, ValidationFailedError, ConflictError."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} not found", user_id=user_id)
    if user.role is not Role.CUSTOMER:
        raise ValidationFailedError("Only a user of role customer can be linked to a contact",
                                    errors={"user_id": [f"user has role {user.role.value!r}"]})
    linked = exists().where(Contact.user_id == user_id)
    if contact_id is not None:
        linked = linked.where(Contact.id != contact_id)
    if session.scalar(select(linked)):
        raise ConflictError("This user is already linked to a contact", errors={"user_id": ["already linked"]})


def create_contact(session: Session, *, customer_id: int, name: str, phone: str | None = None,
                   email: str | None = None, user_id: int | None = None) -> Contact:
    """Add a contact to a customer, optionally linked to a customer-role user account.

    Raises NotFoundError (customer or user), ValidationFailedError (user of another
    role), ConflictError (user already linked)."""
    get_customer(session, customer_id)
    if user_id is not None:
        _check_user_link(session, user_id=user_id)
    contact = Contact(customer_id=customer_id, name=name, phone=phone, email=email, user_id=user_id)
    session.add(contact)
    session.flush()
    return contact


def update_contact(session: Session, *, contact_id: int, **changes: Any) -> Contact:
    """Change a contact; `user_id=None` unlinks its account. Raises as `create_contact`."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFoundError(f"Contact {contact_id} not found", contact_id=contact_id)
    if changes.get("user_id") is not None:
        _check_user_link(session, user_id=changes["user_id"], contact_id=contact_id)
    _apply_changes(contact, changes, CONTACT_FIELDS)
    session.flush()
    return contact


# --- sites -------------------------------------------------------------------------------

def site_distance(lon: float, lat: float):
    """A SQL expression: metres from a site to (lon, lat), on the spheroid."""
    return func.ST_Distance(cast(Site.location, Geography), cast(wgs84_point(lon, lat), Geography))


def site_query(*, customer_id: int | None = None, district: str | None = None, q: str | None = None,
               bbox: BoundingBox | None = None,
               near: tuple[float, float] | None = None, radius_m: float | None = None) -> Select:
    """Sites matching every filter given, by id; with `near` (lon, lat) and `radius_m`,
    only those within that many metres, nearest first."""
    query = select(Site).options(selectinload(Site.customer))
    if customer_id is not None:
        query = query.where(Site.customer_id == customer_id)
    if district:
        query = query.where(Site.district == district)
    if q:
        query = query.where(or_(Site.name.icontains(q, autoescape=True),
                                Site.address.icontains(q, autoescape=True)))
    if bbox is not None:
        query = query.where(within_box(Site.location, bbox))
    if near is not None:
        if radius_m is None:
            raise ValueError("`near` needs `radius_m`")
        lon, lat = near
        query = query.where(func.ST_DWithin(cast(Site.location, Geography),
                                            cast(wgs84_point(lon, lat), Geography), radius_m))
        return query.order_by(site_distance(lon, lat), Site.id)
    return query.order_by(Site.id)


def site_distances(session: Session, *, site_ids: Iterable[int], near: tuple[float, float]) -> dict[int, float]:
    """Metres from `near` (lon, lat) to each of the sites, keyed by site id."""
    lon, lat = near
    rows = session.execute(select(Site.id, site_distance(lon, lat)).where(Site.id.in_(list(site_ids))))
    return {site_id: float(distance) for site_id, distance in rows}


def get_site(session: Session, site_id: int) -> Site:
    """The site with this id. Raises NotFoundError."""
    site = session.get(Site, site_id)
    if site is None:
        raise NotFoundError(f"Site {site_id} not found", site_id=site_id)
    return site


def create_site(session: Session, *, customer_id: int, name: str, address: str, location: tuple[float, float],
                district: str | None = None, geofence_radius_m: int = 200,
                access_notes: str | None = None) -> Site:
    """Create a site of a customer at `location` (lon, lat). Raises NotFoundError (customer)."""
    get_customer(session, customer_id)
    site = Site(customer_id=customer_id, name=name, address=address, district=district,
                location=make_point(*location), geofence_radius_m=geofence_radius_m, access_notes=access_notes)
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, *, site_id: int, **changes: Any) -> Site:
    """Change a site's details; `location` is (lon, lat). Raises NotFoundError."""
    site = get_site(session, site_id)
    if "location" in changes:
        changes = {**changes, "location": make_point(*changes["location"])}
    _apply_changes(site, changes, SITE_FIELDS)
    session.flush()
    return site


# --- assets ------------------------------------------------------------------------------

def asset_query(*, site_id: int | None = None, customer_id: int | None = None,
                serial_number: str | None = None, model: str | None = None) -> Select:
    """Assets matching every filter given, by id."""
    query = select(Asset).options(selectinload(Asset.site)).order_by(Asset.id)
    if site_id is not None:
        query = query.where(Asset.site_id == site_id)
    if customer_id is not None:
        query = query.where(Asset.site_id.in_(select(Site.id).where(Site.customer_id == customer_id)))
    if serial_number:
        query = query.where(func.lower(Asset.serial_number) == serial_number.lower())
    if model:
        query = query.where(Asset.model.icontains(model, autoescape=True))
    return query


def get_asset(session: Session, asset_id: int) -> Asset:
    """The asset with this id. Raises NotFoundError."""
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFoundError(f"Asset {asset_id} not found", asset_id=asset_id)
    return asset


def _check_asset(session: Session, *, asset_id: int | None, site_id: int, model: str, serial_number: str,
                 installed_on: date | None, warranty_until: date | None) -> None:
    if session.get(Site, site_id) is None:
        raise NotFoundError(f"Site {site_id} not found", site_id=site_id)
    if installed_on is not None and warranty_until is not None and warranty_until < installed_on:
        raise ValidationFailedError("The warranty cannot end before the installation",
                                    errors={"warranty_until": ["must be on or after installed_on"]})
    duplicate = select(exists().where(Asset.model == model, Asset.serial_number == serial_number,
                                      Asset.id != (asset_id or 0)))
    if session.scalar(duplicate):
        raise ConflictError(f"An asset {model} with serial number {serial_number} exists",
                            errors={"serial_number": ["already registered for this model"]})


def create_asset(session: Session, *, site_id: int, model: str, serial_number: str,
                 installed_on: date | None = None, warranty_until: date | None = None) -> Asset:
    """Register an asset installed at a site.

    Raises NotFoundError (site), ValidationFailedError (warranty ends before the
    installation), ConflictError (the model + serial number is registered)."""
    _check_asset(session, asset_id=None, site_id=site_id, model=model, serial_number=serial_number,
                 installed_on=installed_on, warranty_until=warranty_until)
    asset = Asset(site_id=site_id, model=model, serial_number=serial_number, installed_on=installed_on,
                  warranty_until=warranty_until)
    session.add(asset)
    session.flush()
    return asset


def update_asset(session: Session, *, asset_id: int, **changes: Any) -> Asset:
    """Change an asset (or move it to another site). Raises as `create_asset`."""
    asset = get_asset(session, asset_id)
    merged = {field: changes.get(field, getattr(asset, field)) for field in ASSET_FIELDS}
    _check_asset(session, asset_id=asset_id, **merged)
    _apply_changes(asset, changes, ASSET_FIELDS)
    session.flush()
    return asset


def asset_history_query(*, asset_id: int) -> Select:
    """The work orders that touched an asset, newest first."""
    return (select(WorkOrder).where(WorkOrder.asset_id == asset_id)
            .options(selectinload(WorkOrder.scheduled_engineer).selectinload(Engineer.user))
            .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()))
