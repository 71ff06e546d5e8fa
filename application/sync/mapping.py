"""Use cases: list mappable fields, read and replace the field mapping."""

from __future__ import annotations

import logging

import msgspec

from application.access import require_manager
from application.errors import Conflict, InvalidInput
from application.sync.describes import DescribeSource
from application.sync.jobs import Queued, StartSync
from application.sync.ports import SyncUnitOfWork, SyncUnitOfWorkFactory
from domain.crm import CrmObject, DescribedField
from domain.default_mapping import DEFAULT_MAPPING
from domain.mapping import FieldMapping, Violation
from domain.sync import SyncJob, SyncMode
from domain.workspace import Actor

logger = logging.getLogger(__name__)


class MappableField(msgspec.Struct, frozen=True, kw_only=True):
    object: CrmObject
    name: str
    label: str
    type: str
    length: int
    updateable: bool
    compound: bool


class ListFields:
    """Business rules:

    - any member reads the fields, from the org's describe, cached a day;
    - only an Owner or Admin may `refresh` it: each refresh spends the org's
      API calls, three of them.
    """

    def __init__(self, describes: DescribeSource) -> None:
        self._describes = describes

    async def execute(
        self, actor: Actor, *, refresh: bool = False
    ) -> list[MappableField]:
        if refresh:
            require_manager(actor, "refresh the field list (it spends API calls)")
        describes, _ = await self._describes.get(actor.workspace_id, refresh=refresh)
        return [
            _mappable(obj, field)
            for obj in CrmObject
            for field in describes[obj].fields
        ]


def _mappable(obj: CrmObject, field: DescribedField) -> MappableField:
    return MappableField(
        object=obj,
        name=field.name,
        label=field.label,
        type=field.type,
        length=field.length,
        updateable=field.updateable,
        compound=field.is_compound,
    )


class MappingInvalid(InvalidInput):
    """Raised when a mapping breaks rules against the org's describe."""

    code = "mapping_invalid"

    def __init__(self, violations: list[Violation]) -> None:
        first = violations[0]
        super().__init__(
            f"the mapping has {_problems(len(violations))}; first: {first.rule}: "
            f"{first.message}",
            field=first.rule,
        )
        self.violations = violations


def _problems(count: int) -> str:
    return "1 problem" if count == 1 else f"{count} problems"


class GetFieldMapping:
    """Any member; the default mapping until a workspace replaces it."""

    def __init__(self, uow: SyncUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, actor: Actor) -> FieldMapping:
        async with self._uow() as uow:
            return await uow.mappings.get(actor.workspace_id) or DEFAULT_MAPPING


class MappingReplaced(msgspec.Struct, frozen=True, kw_only=True):
    mapping: FieldMapping
    resync: SyncJob | None


class ReplaceFieldMapping:
    """Business rules:

    - only an Owner or Admin may replace the mapping;
    - every rule is checked against the org's describe (unknown field, a type
      that cannot convert, a compound address used as a scalar): all broken
      rules are reported and nothing is stored;
    - with `resync`, a full sync of the objects whose rules changed is queued
      in the transaction that saves the mapping; when that sync could not
      start (not connected, another sync running) the answer says why and
      nothing is stored, a sync started at the same moment included.
    """

    class Command(msgspec.Struct, frozen=True, kw_only=True):
        actor: Actor
        mapping: FieldMapping
        resync: bool = False

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        describes: DescribeSource,
        start_sync: StartSync,
    ) -> None:
        self._uow = uow
        self._describes = describes
        self._start_sync = start_sync

    async def execute(self, command: Command) -> MappingReplaced:
        require_manager(command.actor, "change the field mapping")
        workspace_id = command.actor.workspace_id
        describes, _ = await self._describes.get(workspace_id)
        violations = command.mapping.validate(describes)
        if violations:
            raise MappingInvalid(violations)
        async with self._uow() as uow:
            job, orphan = None, None
            if command.resync:
                # First, in the transaction that saves the mapping: a 409
                # leaves it as it was, and no sync starts in between.
                orphan = await self._clear_way(uow, workspace_id)
            previous = await uow.mappings.get(workspace_id) or DEFAULT_MAPPING
            affected = command.mapping.affected_objects(previous)
            if command.resync and affected:
                resync = StartSync.Command(
                    actor=command.actor, mode=SyncMode.FULL, objects=tuple(affected)
                )
                job = await self._start_sync.add(uow, resync)
            await uow.mappings.save(workspace_id, command.mapping)
            await uow.commit()

        logger.info(
            "mapping replaced workspace=%s affected=%s",
            workspace_id,
            sorted(obj.value for obj in affected),
        )
        if job is None:
            self._start_sync.cleared(orphan)
        else:
            job = await self._start_sync.submit(Queued(job=job, orphan=orphan))
        return MappingReplaced(mapping=command.mapping, resync=job)

    async def _clear_way(
        self, uow: SyncUnitOfWork, workspace_id: str
    ) -> SyncJob | None:
        try:
            return await self._start_sync.clear_way(uow, workspace_id)
        except Conflict as exc:
            raise Conflict(
                f"{exc.message}; the mapping was not saved",
                hint=f"{exc.hint} Then send it again; without resync it "
                "is saved at once, and the running sync keeps the "
                "mapping it started with.",
            ) from None
