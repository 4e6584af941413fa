"""Sign-in, token refresh, logout, the caller's profile, user accounts."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import (create_access_token, create_refresh_token, current_user, get_jwt,
                                jwt_required)
from sqlalchemy import or_, select

from app.api import Blueprint, ErrorSchema
from app.auth import service
from app.auth.limits import limiter, login_attempt_key, login_rate_limit
from app.auth.models import PartnerCompany, Role, User
from app.auth.schemas import (AccessTokenSchema, LoginSchema, PartnerCompanyCreateSchema,
                              PartnerCompanySchema, TokenPairSchema, UserCreateSchema,
                              UserQueryArgsSchema, UserSchema)
from app.db import get_session, unit_of_work
from app.errors import PermissionDeniedError
from app.pagination import paginate

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in and tokens")
users_blp = Blueprint("users", __name__, url_prefix="/api/v1", description="User accounts and partner companies")


def issue_token_pair(user: User) -> dict:
    """Access + refresh tokens for `user` (shared with the mobile API's login)."""
    return {
        "access_token": create_access_token(identity=user, fresh=True),
        "refresh_token": create_refresh_token(identity=user),
        "token_type": "Bearer",
        "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
        "user": user,
    }


def login_view(data: dict) -> dict:
    with unit_of_work() as session:
        user = service.authenticate(session, email=data["email"], password=data["password"])
        return issue_token_pair(user)


@auth_blp.route("/login")
class Login(MethodView):
    decorators = [limiter.limit(login_rate_limit, key_func=login_attempt_key)]

    @auth_blp.arguments(LoginSchema)
    @auth_blp.response(200, TokenPairSchema)
    @auth_blp.alt_response(401, schema=ErrorSchema, description="Wrong e-mail or password (`invalid_credentials`)")
    @auth_blp.alt_response(429, schema=ErrorSchema, description="Too many attempts (`rate_limited`)")
    def post(self, data):
        """Sign in with e-mail and password.

        Returns a short-lived access token and a refresh token. Attempts are limited
        per client address and account; over the limit the answer is 429 with
        `Retry-After`."""
        return login_view(data)


@auth_blp.route("/refresh")
class Refresh(MethodView):
    @auth_blp.response(200, AccessTokenSchema)
    @auth_blp.alt_response(401, schema=ErrorSchema, description="Missing, expired or revoked refresh token")
    @jwt_required(refresh=True)
    def post(self):
        """Exchange a refresh token (as the Bearer token) for a new access token."""
        return {"access_token": create_access_token(identity=current_user, fresh=False),
                "token_type": "Bearer",
                "expires_in": int(current_app.config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds())}


@auth_blp.route("/logout")
class Logout(MethodView):
    @auth_blp.response(204)
    @auth_blp.alt_response(401, schema=ErrorSchema, description="Missing, expired or revoked token")
    @jwt_required(verify_type=False)
    def post(self):
        """Revoke the presented token (access or refresh).

        Call it once with the access token and once with the refresh token to end
        the session everywhere; a revoked token is refused from then on."""
        claims = get_jwt()
        with unit_of_work() as session:
            service.revoke_token(session, jti=claims["jti"], user_id=current_user.id,
                                 expires_at=service.expiry_from_claims(claims))


@auth_blp.route("/me")
class Me(MethodView):
    @auth_blp.response(200, UserSchema)
    @auth_blp.requires_role(*Role)
    def get(self):
        """The signed-in user's profile."""
        return current_user


@users_blp.route("/users")
class Users(MethodView):
    @users_blp.arguments(UserQueryArgsSchema, location="query")
    @users_blp.response(200, UserSchema(many=True))
    @users_blp.paginate()
    @users_blp.requires_role(Role.MANAGER)
    def get(self, args, pagination_parameters):
        """List user accounts (managers and admins)."""
        query = select(User).order_by(User.id)
        if "role" in args:
            query = query.where(User.role == args["role"])
        if args.get("q"):
            like = f"%{args['q']}%"
            query = query.where(or_(User.name.ilike(like), User.email.ilike(like), User.username.ilike(like)))
        return paginate(get_session(), query, pagination_parameters)

    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    @users_blp.alt_response(409, schema=ErrorSchema, description="E-mail or username taken (`conflict`)")
    @users_blp.requires_role(Role.MANAGER)
    def post(self, data):
        """Create a user account. Only an admin may create another admin."""
        if data["role"] is Role.ADMIN and current_user.role is not Role.ADMIN:
            raise PermissionDeniedError("Only an admin may create an admin")
        with unit_of_work() as session:
            return service.create_user(session, **data)


@users_blp.route("/partner-companies")
class PartnerCompanies(MethodView):
    @users_blp.response(200, PartnerCompanySchema(many=True))
    @users_blp.requires_role(Role.MANAGER, Role.DISPATCHER)
    def get(self):
        """List partner (contractor) companies."""
        return get_session().scalars(select(PartnerCompany).order_by(PartnerCompany.name)).all()

    @users_blp.arguments(PartnerCompanyCreateSchema)
    @users_blp.response(201, PartnerCompanySchema)
    @users_blp.requires_role(Role.MANAGER)
    def post(self, data):
        """Register a partner company whose engineers take orders for us."""
        with unit_of_work() as session:
            company = PartnerCompany(**data)
            session.add(company)
            session.flush()
            return company
