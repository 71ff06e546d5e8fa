"""The emulator's in-memory world: orgs, users, apps, tokens and faults, thread-safe."""

from __future__ import annotations

import threading
import time
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints

import msgspec

from sfemulator.cursors import CursorBook
from sfemulator.faults import FaultControls
from sfemulator.ids import PREFIXES, IdFactory, opaque
from sfemulator.ids import consumer_key as new_consumer_key
from sfemulator.model import (
    AccessToken,
    AuthCode,
    ConnectedApp,
    Grant,
    HttpFault,
    Org,
    PendingAuthorization,
    RefreshToken,
    User,
)
from sfemulator.record_controls import RecordControls
from sfemulator.records import RecordStore
from sfemulator.stats import Stats
from sfemulator.world_errors import EmulatorError, check_count

if TYPE_CHECKING:
    from sfemulator.bulk import BulkJob

__all__ = ["EmulatorError", "World"]

LOGIN = "login"
SANDBOX = "sandbox"
MYDOMAIN = "mydomain"
LOGIN_ROLES = (LOGIN, SANDBOX, MYDOMAIN)
DEFAULT_SCOPES = frozenset({"api", "refresh_token", "offline_access", "id", "full"})
DEFAULT_VERSIONS = tuple(f"{major}.0" for major in range(58, 65))
CODE_SECONDS = 15 * 60
T = TypeVar("T")


def instance_role(index: int) -> str:
    """The listener role of instance host number `index`."""
    return f"instance{index}"


class World(FaultControls, RecordControls):
    """Everything the emulated Salesforce knows; every method takes `lock`.

    Objects handed out are live: read them freely, change them only through
    the world's methods so the HTTP side never sees a half-made change.
    """

    def __init__(
        self,
        instance_count: int = 2,
        api_versions: tuple[str, ...] = DEFAULT_VERSIONS,
    ) -> None:
        self.lock = threading.RLock()
        self.instance_count = instance_count
        self.api_versions = api_versions
        self.urls: dict[str, str] = {}
        self._clock_offset = 0.0
        self._clear()

    def _clear(self) -> None:
        self.ids = IdFactory()
        self.orgs: dict[str, Org] = {}
        self.users: dict[str, User] = {}
        self.apps: dict[str, ConnectedApp] = {}
        self.pending: dict[str, PendingAuthorization] = {}
        self.codes: dict[str, AuthCode] = {}
        self.grants: dict[int, Grant] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refreshing: set[str] = set()
        self.signed_in: dict[str, str] = {}
        self.http_faults: list[HttpFault] = []
        self.refresh_delay = 0.0
        self.query_page_size: int | None = None
        self.cursors = CursorBook(self.ids)
        self.bulk_jobs: dict[str, BulkJob] = {}
        self.bulk_page_size = 50_000
        self.bulk_polls_before_complete = 0
        self.stats = Stats()
        self.records = RecordStore(self.ids, self.now)
        self._next_serial = 0

    def reset(self) -> None:
        """Forget everything but the listeners' URLs and the API versions."""
        with self.lock:
            self._clock_offset = 0.0
            self._clear()

    def reset_stats(self) -> None:
        """Zero every request counter, keeping the world as it is."""
        with self.lock:
            self.stats = Stats()

    def serial(self) -> int:
        with self.lock:
            self._next_serial += 1
            return self._next_serial

    def now(self) -> float:
        """The world's clock: wall time plus whatever `advance_clock` added."""
        return time.time() + self._clock_offset

    def advance_clock(self, seconds: float) -> None:
        """Move time forward, e.g. to expire codes, sessions and query cursors."""
        with self.lock:
            self._clock_offset += seconds

    def create_org(
        self,
        *,
        name: str | None = None,
        is_sandbox: bool = False,
        organization_type: str = "Enterprise Edition",
        instance: int = 0,
        **settings: Any,
    ) -> Org:
        """Make an org; `settings` are any other `Org` fields (daily_api_max...)."""
        with self.lock:
            self._check_instance(instance)
            org_id = self.ids.next(PREFIXES["Organization"])
            org = Org(
                id=org_id,
                name=name or f"Org {len(self.orgs) + 1}",
                is_sandbox=is_sandbox,
                organization_type=organization_type,
                instance=instance,
            )
            _apply(org, settings, frozen={"id"})
            self.orgs[org_id] = org
            self.records.add_org(org_id)
            return org

    def org(self, org_id: str) -> Org:
        with self.lock:
            return _lookup(self.orgs, org_id, "org")

    def update_org(self, org_id: str, **changes: Any) -> Org:
        """Change an org's flags: active, api_enabled, daily_api_used, ..."""
        with self.lock:
            org = self.org(org_id)
            if "instance" in changes:
                self._check_instance(changes["instance"])
            _apply(org, changes, frozen={"id"})
            return org

    def move_org(self, org_id: str, instance: int | None = None) -> Org:
        """Move an org to another instance host (the next one by default)."""
        with self.lock:
            org = self.org(org_id)
            target = (org.instance + 1) % self.instance_count
            return self.update_org(
                org_id, instance=target if instance is None else instance
            )

    def set_quota(
        self, org_id: str, *, used: int | None = None, maximum: int | None = None
    ) -> Org:
        """Set the org's daily API usage and/or allowance."""
        check_count("used", used, 0)
        check_count("maximum", maximum, 0)
        with self.lock:
            org = self.org(org_id)
            org.daily_api_used = org.daily_api_used if used is None else used
            org.daily_api_max = org.daily_api_max if maximum is None else maximum
            return org

    def instance_url(self, org: Org) -> str:
        return self.urls[instance_role(org.instance)]

    def create_user(
        self,
        org_id: str,
        *,
        username: str | None = None,
        email: str | None = None,
        name: str | None = None,
        **settings: Any,
    ) -> User:
        """Make a user in an org; `settings` are other `User` fields (api_enabled)."""
        with self.lock:
            org = self.org(org_id)
            user_id = self.ids.next(PREFIXES["User"])
            number = len(self.users) + 1
            suffix = ".sandbox" if org.is_sandbox else ""
            username = username or f"user{number}@org{len(self.orgs)}.example{suffix}"
            if self.user_by_username(username) is not None:
                raise EmulatorError(f"username {username!r} is taken")
            user = User(
                id=user_id,
                org_id=org_id,
                username=username,
                email=email or username.removesuffix(suffix),
                name=name or f"User {number}",
            )
            _apply(user, settings, frozen={"id", "org_id", "username"})
            self.users[user_id] = user
            return user

    def user(self, user_id: str) -> User:
        with self.lock:
            return _lookup(self.users, user_id, "user")

    def user_by_username(self, username: str) -> User | None:
        with self.lock:
            wanted = username.strip().lower()
            for user in self.users.values():
                if user.username.lower() == wanted:
                    return user
            return None

    def update_user(self, user_id: str, **changes: Any) -> User:
        """Change a user's flags: active, api_enabled, email, name."""
        with self.lock:
            user = self.user(user_id)
            _apply(user, changes, frozen={"id", "org_id", "username"})
            return user

    def create_app(
        self,
        *,
        callback_urls: list[str],
        scopes: set[str] | frozenset[str] = DEFAULT_SCOPES,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
        name: str = "crmbridge",
        **flags: Any,
    ) -> ConnectedApp:
        """Register a Connected App; `flags` are other `ConnectedApp` fields."""
        with self.lock:
            app = ConnectedApp(
                consumer_key=consumer_key or new_consumer_key(),
                consumer_secret=consumer_secret or opaque("", 32),
                name=name,
                callback_urls=list(callback_urls),
                scopes=set(scopes),
            )
            _apply(app, flags, frozen={"consumer_key"})
            self.apps[app.consumer_key] = app
            return app

    def app(self, consumer_key: str) -> ConnectedApp:
        with self.lock:
            return _lookup(self.apps, consumer_key, "connected app")

    def update_app(self, consumer_key: str, **flags: Any) -> ConnectedApp:
        """Change an app: refresh_token_rotation, require_secret, blocked, ..."""
        with self.lock:
            app = self.app(consumer_key)
            if "scopes" in flags:
                flags["scopes"] = set(flags["scopes"])
            _apply(app, flags, frozen={"consumer_key"})
            return app

    def usable_app(self, consumer_key: str) -> ConnectedApp | None:
        """The app, unless unknown or not yet propagated (`available_after`)."""
        with self.lock:
            app = self.apps.get(consumer_key)
            if app is None or app.available_after > self.now():
                return None
            return app

    def sign_in(self, login_role: str, username: str | None) -> None:
        """Pretend a browser is signed in at a login host, for auto-approved apps."""
        with self.lock:
            if username is None:
                self.signed_in.pop(login_role, None)
            else:
                self.signed_in[login_role] = username

    def _check_instance(self, instance: int) -> None:
        if not 0 <= instance < self.instance_count:
            raise EmulatorError(f"no instance host {instance}")


def _lookup(table: dict[str, T], key: str, kind: str) -> T:
    try:
        return table[key]
    except KeyError:
        raise EmulatorError(f"unknown {kind} {key!r}") from None


def _apply(target: object, changes: dict[str, Any], frozen: set[str]) -> None:
    """Set `changes` on `target` once each is of its field's type: a value
    the world could not use is refused whole, before anything is set."""
    kind = type(target)
    known = {item.name for item in fields(target)}  # type: ignore[arg-type]
    hints = get_type_hints(kind)
    typed = {}
    for key, value in changes.items():
        if key not in known or key in frozen:
            raise EmulatorError(f"{kind.__name__} has no settable {key!r}")
        try:
            typed[key] = msgspec.convert(value, hints[key])
        except msgspec.ValidationError as exc:
            raise EmulatorError(f"{kind.__name__}.{key}: {exc}") from None
    for key, value in typed.items():
        setattr(target, key, value)
