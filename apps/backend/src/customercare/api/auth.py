"""Admin sign-in and identity."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from customercare.api.deps import (
    Admin,
    Context,
    DbSession,
    client_ip,
    enforce_rate_limit,
    error_responses,
)
from customercare.errors import ApiError
from customercare.login_lockout import LoginLockout
from customercare.models import AdminUser
from customercare.schemas import LoginRequest, MeResponse, TokenResponse, WorkspaceOut
from customercare.security import issue_token, verify_password

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/login", response_model=TokenResponse, responses=error_responses(400, 401, 422, 429)
)
def login(
    body: LoginRequest, request: Request, context: Context, session: DbSession
) -> TokenResponse:
    settings = context.settings
    email = body.email.strip().lower()
    address = client_ip(request)
    # Limits by address, and by (e-mail, address) for wrong passwords: never by e-mail alone,
    # or anyone who knows an admin's e-mail could lock that admin out from anywhere.
    enforce_rate_limit(
        context,
        f"login:ip:{address}",
        settings.login_ip_rate_limit,
        settings.login_rate_window_s,
        "sign-in attempts from this address",
    )
    lockout = LoginLockout(context.store, email, address, settings)
    lockout.refuse_if_locked()
    admin = session.scalar(select(AdminUser).where(AdminUser.email == email))
    if not verify_password(admin.password_hash if admin else None, body.password) or admin is None:
        lockout.record_failure()
        raise ApiError(401, "invalid_credentials", "The e-mail or password is wrong.")
    token = issue_token(settings.secret_key, admin.id, settings.access_token_minutes)
    return TokenResponse(access_token=token.token, expires_in=token.expires_in)


@router.get("/me", response_model=MeResponse, responses=error_responses(401))
def me(admin: Admin) -> MeResponse:
    return MeResponse(
        email=admin.email, workspace=WorkspaceOut(id=admin.workspace.id, name=admin.workspace.name)
    )
