"""The engineer's phones, registered for push notifications."""
from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.api import Blueprint, ErrorSchema, SchemaBase
from app.auth.models import FIELD_ROLES
from app.db import get_session, unit_of_work
from push import devices
from push.models import Platform

blp = Blueprint("mobile-devices", __name__, url_prefix="/mobile/v1",
                description="Devices: where push notifications go")


class DeviceRegisterSchema(SchemaBase):
    platform = ma.fields.Enum(Platform, by_value=True, required=True)
    app_version = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40),
                                   metadata={"example": "1.4.2"})
    fcm_token = ma.fields.String(required=True, validate=ma.validate.Length(min=20, max=4096),
                                 metadata={"description": "The FCM registration token of this app install"})


class DeviceSchema(ma.Schema):
    id = ma.fields.Integer()
    platform = ma.fields.Enum(Platform, by_value=True)
    app_version = ma.fields.String()
    token_end = ma.fields.Function(lambda device: device.fcm_token[-8:],
                                   metadata={"description": "The token's last 8 characters (to tell phones apart)"})
    registered_at = ma.fields.DateTime()
    last_seen_at = ma.fields.DateTime()


@blp.route("/devices")
class Devices(MethodView):
    @blp.requires_role(*FIELD_ROLES)
    @blp.response(200, DeviceSchema(many=True))
    def get(self):
        """My registered devices."""
        return devices.devices_of(get_session(), current_user.id)

    @blp.requires_role(*FIELD_ROLES)
    @blp.arguments(DeviceRegisterSchema)
    @blp.response(200, DeviceSchema)
    def post(self, data):
        """Register this phone for pushes (on sign-in, and whenever FCM gives the app a new
        token). Registering the same token again refreshes it — a retry makes no second
        device — and a token registered by someone else moves to the caller.

        Pushes carry a data payload `{order_id, number, change}` where `change` is
        `assigned`, `unassigned`, `rescheduled`, `cancelled` or `parts_ready`."""
        with unit_of_work() as session:
            return devices.register(session, user=current_user, **data)


@blp.route("/devices/<int:device_id>")
class DeviceItem(MethodView):
    @blp.requires_role(*FIELD_ROLES)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such device of the caller")
    def delete(self, device_id):
        """Forget a device (sign-out on that phone): it gets no more pushes."""
        with unit_of_work() as session:
            devices.remove(session, user=current_user, device_id=device_id)
