"""Account use cases. Keyword-only, explicit actor, flush not commit, audited."""

from __future__ import annotations

import enum

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from civic.accounts import passwords, personal_data, sessions, tokens
from civic.accounts.models import RoleGrant, User
from civic.accounts.permissions import can_change_role
from civic.accounts.roles import STAFF_ROLES, AgeBracket, Role
from civic.core import audit
from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.core.links import external_url
from civic.core.mail import send_mail
from civic.core.text import one_line
from civic.core.time import utcnow
from civic.extensions import db


class LoginResult(enum.Enum):
    OK = "ok"
    INVALID = "invalid"
    UNCONFIRMED = "unconfirmed"


def normalise_email(email: str) -> str:
    """Compare e-mail addresses case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def find_live_user_by_email(email: str) -> User | None:
    """Return the non-deleted account with this e-mail, if any."""
    return db.session.scalar(
        select(User).where(User.email == normalise_email(email), User.deleted_at.is_(None))
    )


def create_user(
    *,
    email: str,
    display_name: str,
    password: str,
    locale: str = "fr",
    confirmed: bool = False,
    roles: tuple[Role, ...] = (Role.RESIDENT,),
) -> User:
    """Insert an account with its roles (used by registration, the demo seed and tests)."""
    user = User(
        email=normalise_email(email),
        display_name=one_line(display_name),
        password_hash=passwords.hash_password(password),
        locale=locale,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    user.role_grants = [RoleGrant(role=role) for role in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def register(*, email: str, display_name: str, password: str, locale: str) -> None:
    """Register a resident, or warn the owner of an existing address; the caller cannot tell which."""
    existing = find_live_user_by_email(email)
    if existing is None:
        try:
            user = create_user(email=email, display_name=display_name, password=password, locale=locale)
        except IntegrityError:
            # Two simultaneous registrations of one address: the unique e-mail decides, the loser is
            # answered as a registration of an existing address (same page, a mail to the owner). The
            # transaction held nothing else; a savepoint would not help: pysqlite commits on RELEASE.
            db.session.rollback()
            existing = find_live_user_by_email(email)
            if existing is None:
                raise
        else:
            audit.record(actor_id=user.id, action="account.register", target_type="user", target_id=user.id)
            send_confirmation(user=user)
            return
    send_mail(
        to=existing.email or "",
        template="already_registered",
        locale=existing.locale,
        name=existing.display_name,
        login_url=external_url("accounts.login"),
        reset_url=external_url("accounts.reset_request"),
    )
    # Spend the same hashing time as a real registration.
    passwords.hash_password(password)


def send_confirmation(*, user: User) -> None:
    """E-mail a confirmation link to an account's address."""
    token = tokens.make_token(tokens.CONFIRM, user_id=user.id, bound_to=user.email)
    send_mail(
        to=user.email or "",
        template="confirm_email",
        locale=user.locale,
        name=user.display_name,
        confirm_url=external_url("accounts.confirm", token=token),
    )


def confirm_email(*, token: str) -> User | None:
    """Mark the address of a valid confirmation token as confirmed."""
    data = tokens.read_token(tokens.CONFIRM, token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if data is None:
        return None
    user = db.session.get(User, data[0])
    if user is None or user.deleted_at is not None or not tokens.fingerprint_matches(data[1], user.email):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record(actor_id=user.id, action="account.confirm_email", target_type="user", target_id=user.id)
        db.session.flush()
    return user


def authenticate(*, email: str, password: str) -> tuple[LoginResult, User | None]:
    """Check credentials; rehash when parameters changed; resend confirmation when unconfirmed."""
    user = find_live_user_by_email(email)
    if not passwords.verify_password(user.password_hash if user else None, password) or user is None:
        return LoginResult.INVALID, None
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    if not user.is_confirmed:
        send_confirmation(user=user)
        return LoginResult.UNCONFIRMED, None
    user.last_login_at = utcnow()
    db.session.flush()
    return LoginResult.OK, user


def request_password_reset(*, email: str) -> None:
    """E-mail a reset link if the address belongs to an account; say nothing either way."""
    user = find_live_user_by_email(email)
    if user is None:
        return
    token = tokens.make_token(tokens.RESET, user_id=user.id, bound_to=user.password_hash)
    send_mail(
        to=user.email or "",
        template="reset_password",
        locale=user.locale,
        name=user.display_name,
        reset_url=external_url("accounts.reset", token=token),
    )


def user_for_reset_token(token: str) -> User | None:
    """Return the account a still-valid reset token belongs to."""
    data = tokens.read_token(tokens.RESET, token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    if data is None:
        return None
    user = db.session.get(User, data[0])
    if user is None or user.deleted_at is not None:
        return None
    if not tokens.fingerprint_matches(data[1], user.password_hash):
        return None
    return user


def reset_password(*, user: User, new_password: str) -> None:
    """Set a new password, confirm the address (the link proved it) and end every other session."""
    user.password_hash = passwords.hash_password(new_password)
    sessions.end_other_sessions(user=user)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    audit.record(actor_id=user.id, action="account.reset_password", target_type="user", target_id=user.id)
    db.session.flush()


def change_password(*, actor: User, user: User, current_password: str, new_password: str) -> int:
    """Change one's own password; every other session ends (this one stays). Return how many ended."""
    if actor.id != user.id:
        raise PermissionDenied(_l("You can only change your own password."))
    if not passwords.verify_password(user.password_hash, current_password):
        raise ValidationFailed(_l("Your current password is wrong."))
    user.password_hash = passwords.hash_password(new_password)
    ended = sessions.end_other_sessions(user=user, keep_token=actor.session_token)
    audit.record(actor_id=user.id, action="account.change_password", target_type="user", target_id=user.id)
    db.session.flush()
    return ended


def log_out_other_sessions(*, actor: User) -> int:
    """End every session of ``actor`` but the current one; return how many ended."""
    ended = sessions.end_other_sessions(user=actor, keep_token=actor.session_token)
    if ended:
        audit.record(actor_id=actor.id, action="account.end_sessions", target_type="user", target_id=actor.id)
    db.session.flush()
    return ended


def update_profile(
    *,
    actor: User,
    user: User,
    display_name: str,
    district_id: int | None,
    age_bracket: AgeBracket | None,
    locale: str,
) -> None:
    """Change a person's own profile."""
    if actor.id != user.id:
        raise PermissionDenied(_l("You can only edit your own profile."))
    user.display_name = one_line(display_name)
    user.district_id = district_id
    user.age_bracket = age_bracket
    user.locale = locale
    db.session.flush()


def export_personal_data(*, actor: User, user: User, as_csv: bool = False) -> str | bytes:
    """Gather everything Civic holds about a person: JSON text, or a zip of CSV files."""
    if actor.id != user.id:
        raise PermissionDenied(_l("You can only export your own data."))
    return personal_data.as_csv_zip(user) if as_csv else personal_data.as_json(user)


def delete_account(*, actor: User, user: User) -> None:
    """Erase a person's name, e-mail and credentials; keep an anonymous row so history stays whole."""
    if actor.id != user.id:
        raise PermissionDenied(_l("You can only delete your own account."))
    user.email = None
    user.display_name = None
    user.password_hash = None
    user.district_id = None
    user.age_bracket = None
    user.last_login_at = None
    user.deleted_at = utcnow()
    sessions.end_other_sessions(user=user)
    user.role_grants.clear()
    audit.record(actor_id=user.id, action="account.delete", target_type="user", target_id=user.id)
    db.session.flush()


def bootstrap_admin(*, email: str, display_name: str, password: str | None) -> tuple[User, bool]:
    """Make ``email`` an administrator from the command line: create it (confirmed) or promote it.

    Return the account and whether it was created. The caller has checked the password's strength.
    Audited with no actor: the command line is the town's own server.
    """
    user = find_live_user_by_email(email)
    created = user is None
    if user is None:
        if not password:
            raise ValidationFailed(_l("A new account needs a password."))
        user = create_user(
            email=email, display_name=display_name, password=password, confirmed=True, roles=(Role.ADMIN,)
        )
        audit.record(actor_id=None, action="account.create_admin", target_type="user", target_id=user.id)
    elif Role.ADMIN in user.roles:
        return user, False
    else:
        before = sorted(r.value for r in user.roles)
        db.session.add(RoleGrant(user_id=user.id, role=Role.ADMIN))
        if user.email_confirmed_at is None:
            user.email_confirmed_at = utcnow()
        sessions.end_other_sessions(user=user)
        db.session.flush()
        db.session.expire(user, ["role_grants"])
        audit.record(
            actor_id=None,
            action="role.grant",
            target_type="user",
            target_id=user.id,
            before={"roles": before},
            after={"roles": sorted(r.value for r in user.roles)},
        )
    db.session.flush()
    return user, created


def grant_role(*, actor: User, target: User, role: Role) -> None:
    """Give a role to a person; audited with before/after."""
    if not can_change_role(actor.roles, actor_id=actor.id, target_id=target.id, role=role):
        raise PermissionDenied(_l("You may not change this role."))
    if target.deleted_at is not None:
        raise Conflict(_l("This account has been deleted."))
    before = sorted(r.value for r in target.roles)
    if role in target.roles:
        raise Conflict(_l("This person already has this role."))
    try:
        db.session.add(RoleGrant(user_id=target.id, role=role, granted_by_id=actor.id))
        db.session.flush()
    except IntegrityError:
        # Two admins granting the same role at once: the unique (person, role) pair decides.
        db.session.rollback()
        raise Conflict(_l("This person already has this role.")) from None
    db.session.expire(target, ["role_grants"])
    if role in STAFF_ROLES and actor.id != target.id:
        # A staff role must not ride on an old remember-me cookie: end the person's sessions.
        sessions.end_other_sessions(user=target)
    audit.record(
        actor_id=actor.id,
        action="role.grant",
        target_type="user",
        target_id=target.id,
        before={"roles": before},
        after={"roles": sorted(r.value for r in target.roles)},
    )
    db.session.flush()


def revoke_role(*, actor: User, target: User, role: Role) -> None:
    """Take a role away from a person; audited with before/after."""
    if not can_change_role(actor.roles, actor_id=actor.id, target_id=target.id, role=role):
        raise PermissionDenied(_l("You may not change this role."))
    before = sorted(r.value for r in target.roles)
    grants = [g for g in target.role_grants if g.role is role]
    if not grants:
        return
    for grant in grants:
        target.role_grants.remove(grant)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="role.revoke",
        target_type="user",
        target_id=target.id,
        before={"roles": before},
        after={"roles": sorted(r.value for r in target.roles)},
    )
    db.session.flush()
