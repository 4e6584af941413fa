"""Signed link tokens: the link's id signed with the app's secret key and a salt per
kind, so a tampered or made-up token is refused before the database is asked, a guessed
id is useless without the signature, and a rating token does not open a tracking page.

Tokens carry no time: they are the same whenever they are computed (the message job,
a resend, the demo's printout), and the link's row says when it expires."""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from customer_links.models import LinkKind

_SALT = "gongdan.customer-link.{kind}"


class BadLinkToken(ValueError):
    """The token was not signed by us for this kind of link."""


def _serializer(secret_key: str, kind: LinkKind) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT.format(kind=kind.value))


def sign_link_id(secret_key: str, kind: LinkKind, link_id: int) -> str:
    """The URL token of link `link_id` of `kind`."""
    return _serializer(secret_key, kind).dumps(link_id)


def read_link_id(secret_key: str, kind: LinkKind, token: str) -> int:
    """The link id inside `token`; raises BadLinkToken when it is tampered, made up or of
    another kind."""
    try:
        link_id = _serializer(secret_key, kind).loads(token)
    except BadSignature:
        raise BadLinkToken("not a valid link") from None
    if not isinstance(link_id, int) or isinstance(link_id, bool) or link_id < 1:
        raise BadLinkToken("not a valid link")
    return link_id
