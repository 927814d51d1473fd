"""The BS 11000 / ISO 44001 life cycle as data: phases, stages, items, RMP sections, roles, cadences.

The content lives in `catalogue.yaml` beside this module so the domain wording can be reviewed and edited
without touching code. Everything else in Accord trusts the catalogue, so the loader checks it thoroughly
and reports a problem by file and item id (or stage / phase), which is what a person editing it needs.
"""

import functools
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "DONT_PREFIX",
    "DO_PREFIX",
    "GUIDANCE_LIMIT",
    "PHASE_KEYS",
    "RMP_SECTION_COUNT",
    "ROLE_KEYS",
    "STAGE_COUNT",
    "TEXT_LIMIT",
    "Cadences",
    "Catalogue",
    "CatalogueError",
    "ChecklistItem",
    "DisputeTier",
    "Phase",
    "RmpSection",
    "Role",
    "Stage",
    "default_catalogue",
    "load_catalogue",
]

PHASE_KEYS = ("strategy", "engagement", "management")
STAGE_COUNT = 8
RMP_SECTION_COUNT = 13
ROLE_KEYS = ("executive_sponsor", "relationship_owner", "joint_management_team", "item_owner")
TEXT_LIMIT = 150  # an item's text must be shorter than this: it is shown on one line in Slack
GUIDANCE_LIMIT = 200  # guidance must be shorter than this: one plain sentence, not an essay
DO_PREFIX = "DO "
DONT_PREFIX = "DON'T "

_PACKAGED_FILE = "catalogue.yaml"
_ITEM_ID = re.compile(r"S(\d+)\.(\d+)")
_SNAKE_CASE = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"


class CatalogueError(ValueError):
    """The catalogue file cannot be used; the message names the file and the phase, stage or item at fault."""


def _shorter_than(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) >= limit:
            raise ValueError(f"must be under {limit} characters (has {len(value)})")
        return value

    return AfterValidator(check)


# Strict types: YAML turns `yes` into a bool and `1.0` into a float, and such a typo should fail, not coerce.
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
ItemText = Annotated[Text, _shorter_than(TEXT_LIMIT)]
GuidanceText = Annotated[Text, _shorter_than(GUIDANCE_LIMIT)]
Key = Annotated[str, StringConstraints(strict=True, pattern=_SNAKE_CASE)]
StageNumber = Annotated[int, Field(strict=True, ge=1, le=STAGE_COUNT)]
Days = Annotated[int, Field(strict=True, ge=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Phase(_Frozen):
    """One of the three phases (strategy, engagement, management) with the standard's do's and don'ts."""

    key: Key
    number: Annotated[int, Field(strict=True, ge=1, le=len(PHASE_KEYS))]
    name: Text
    summary: Text
    dos: tuple[Text, ...]
    donts: tuple[Text, ...]

    @field_validator("dos")
    @classmethod
    def _dos_start_with_do(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        return _check_lines(lines, DO_PREFIX)

    @field_validator("donts")
    @classmethod
    def _donts_start_with_dont(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        return _check_lines(lines, DONT_PREFIX)

    @property
    def lines(self) -> tuple[str, ...]:
        """Every do, then every don't of this phase."""
        return self.dos + self.donts

    @property
    def label(self) -> str:
        return f"Phase {self.number} · {self.name}"


def _check_lines(lines: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    for line in lines:
        if not line.startswith(prefix):
            raise ValueError(f"{line!r} does not start with {prefix.strip()!r}")
    if len(set(lines)) != len(lines):
        raise ValueError("lines must not repeat")
    return lines


class ChecklistItem(_Frozen):
    """One thing to put in place at a stage; its answer feeds one section of the RMP and may need evidence."""

    id: Annotated[str, StringConstraints(strict=True, pattern=r"^S\d+\.\d+$")]
    stage: StageNumber
    position: Annotated[int, Field(strict=True, ge=1)]
    text: ItemText
    guidance: GuidanceText
    source: Text | None = None
    evidence_required: Annotated[bool, Field(strict=True)]
    rmp_section: Annotated[int, Field(strict=True, ge=1, le=RMP_SECTION_COUNT)]


class Stage(_Frozen):
    """One of the eight stages of the life cycle, in its phase, with its checklist."""

    number: StageNumber
    name: Text
    phase: Key
    clause: Annotated[int, Field(strict=True, ge=3, le=10)]
    purpose: Text
    items: Annotated[tuple[ChecklistItem, ...], Field(min_length=1)]

    @property
    def is_internal(self) -> bool:
        """A stage of the strategy phase: one organisation's own preparation (its awareness, its knowledge, its
        internal assessment), never shared with the partner. The engagement and management phases are joint."""
        return self.phase == PHASE_KEYS[0]

    @property
    def dos(self) -> tuple[str, ...]:
        """The model's do's that this stage's items put into practice, in item order."""
        return self._sources(DO_PREFIX)

    @property
    def donts(self) -> tuple[str, ...]:
        """The model's don'ts that this stage's items guard against, in item order."""
        return self._sources(DONT_PREFIX)

    @property
    def label(self) -> str:
        """How a stage is named to users, e.g. "Stage 4 · Partner selection"."""
        return f"Stage {self.number} · {self.name}"

    def _sources(self, prefix: str) -> tuple[str, ...]:
        cited = (item.source for item in self.items if item.source is not None)
        return tuple(dict.fromkeys(line for line in cited if line.startswith(prefix)))


class RmpSection(_Frozen):
    """A section of the Relationship Management Plan: where checklist answers and records end up."""

    number: Annotated[int, Field(strict=True, ge=1, le=RMP_SECTION_COUNT)]
    key: Key
    title: Text
    contents: Text


class Role(_Frozen):
    """Someone the life cycle gives a job to, e.g. the executive sponsor who signs stages off."""

    key: Key
    name: Text
    description: Text


class DisputeTier(_Frozen):
    """A level a dispute is escalated through: working level, joint management team, executive sponsors."""

    tier: Annotated[int, Field(strict=True, ge=1)]
    name: Text


class Cadences(_Frozen):
    """Default rhythms, editable per relationship: reviews, joint exit reviews and dispute time limits."""

    review_days: Days
    exit_review_days: Days
    exit_review_at_signoff_from_stage: StageNumber
    dispute_tier_days: tuple[Days, ...]
    dispute_tiers: Annotated[tuple[DisputeTier, ...], Field(min_length=1)]

    @model_validator(mode="after")
    def _tiers_line_up(self) -> "Cadences":
        numbers = [tier.tier for tier in self.dispute_tiers]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"dispute tiers must be numbered 1 to {len(numbers)} in order, found {numbers}")
        if len(self.dispute_tier_days) != len(numbers) - 1:
            raise ValueError(
                f"dispute_tier_days needs one time limit per tier below the top one "
                f"({len(numbers) - 1}), found {len(self.dispute_tier_days)}"
            )
        return self

    def tier_days(self, tier: int) -> int | None:
        """Days a dispute may stay at `tier` before it escalates; None at the top tier, which has no limit."""
        self.dispute_tier(tier)
        return self.dispute_tier_days[tier - 1] if tier <= len(self.dispute_tier_days) else None

    def dispute_tier(self, tier: int) -> DisputeTier:
        for found in self.dispute_tiers:
            if found.tier == tier:
                return found
        raise LookupError(f"No dispute tier {tier}: tiers run from 1 to {len(self.dispute_tiers)}")


class Catalogue(_Frozen):
    """The whole life cycle. Build it with `load_catalogue`, which checks what the models alone cannot."""

    phases: tuple[Phase, ...]
    stages: tuple[Stage, ...]
    rmp_sections: tuple[RmpSection, ...]
    roles: Mapping[str, Role]
    cadences: Cadences

    @property
    def items(self) -> tuple[ChecklistItem, ...]:
        """Every checklist item, stage by stage, in order."""
        return tuple(item for stage in self.stages for item in stage.items)

    @property
    def first_stage(self) -> Stage:
        return self.stages[0]

    @property
    def last_stage(self) -> Stage:
        return self.stages[-1]

    def stage(self, number: int) -> Stage:
        """The stage numbered `number`; `LookupError` (never `KeyError` / `IndexError`) for any other."""
        for stage in self.stages:
            if stage.number == number:
                return stage
        raise LookupError(f"No stage {number}: stages run from {self.first_stage.number} to {self.last_stage.number}")

    def next_stage(self, number: int) -> Stage | None:
        """The stage after `number`, or None after the last one (the life cycle ends at exit)."""
        self.stage(number)
        for stage in self.stages:
            if stage.number > number:
                return stage
        return None

    def phase(self, key: str) -> Phase:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise LookupError(f"No phase {key!r}: phases are {', '.join(p.key for p in self.phases)}")

    def phase_of(self, stage_number: int) -> Phase:
        """The phase that stage `stage_number` belongs to."""
        return self.phase(self.stage(stage_number).phase)

    def stages_in(self, phase_key: str) -> tuple[Stage, ...]:
        self.phase(phase_key)
        return tuple(stage for stage in self.stages if stage.phase == phase_key)

    def item(self, item_id: str) -> ChecklistItem:
        """The item with this id, ignoring case and surrounding spaces, since people type "s4.2" in Slack."""
        wanted = item_id.strip().upper()
        for item in self.items:
            if item.id == wanted:
                return item
        raise LookupError(f"No checklist item {wanted}")

    def rmp_section(self, number: int) -> RmpSection:
        for section in self.rmp_sections:
            if section.number == number:
                return section
        raise LookupError(f"No RMP section {number}: sections run from 1 to {len(self.rmp_sections)}")


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue at `path` (default: the packaged one); `CatalogueError` if unusable."""
    name = path.name if path is not None else _PACKAGED_FILE
    try:
        if path is None:
            text = resources.files("stages").joinpath(_PACKAGED_FILE).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{name}: cannot be read: {exc}") from exc
    return _Loader(name).build(_parse(text, name))


@functools.cache
def default_catalogue() -> Catalogue:
    """The packaged catalogue, read and checked once per process."""
    return load_catalogue()


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
            where = f" at line {exc.problem_mark.line + 1}, column {exc.problem_mark.column + 1}"
        problem = exc.problem if isinstance(exc, yaml.MarkedYAMLError) and exc.problem else str(exc)
        raise CatalogueError(f"{name}: invalid YAML{where}: {problem}") from exc
    if not isinstance(data, dict):
        found = "an empty document" if data is None else f"a {type(data).__name__}"
        raise CatalogueError(f"{name}: expected a mapping of phases, stages, ... at the top level, found {found}")
    return data


_Model = TypeVar("_Model", bound=BaseModel)


class _Loader:
    """Checks one parsed catalogue file, failing at the first problem with its location spelt out."""

    _SECTIONS = ("phases", "stages", "rmp_sections", "roles", "cadences")

    def __init__(self, name: str) -> None:
        self.name = name

    def build(self, data: dict[str, Any]) -> Catalogue:
        for key in data:
            if key not in self._SECTIONS:
                self._fail("top level", f"unknown key {key!r}; expected {', '.join(self._SECTIONS)}")
        for key in self._SECTIONS:
            if key not in data:
                self._fail("top level", f"{key}: Field required")
        sections = self._rmp_sections(data["rmp_sections"])
        phases = self._phases(data["phases"])
        stages = self._stages(data["stages"], {phase.key: phase for phase in phases}, sections)
        return Catalogue(
            phases=phases,
            stages=stages,
            rmp_sections=sections,
            roles=self._roles(data["roles"]),
            cadences=self._model(Cadences, data["cadences"], "cadences"),
        )

    def _rmp_sections(self, raw: object) -> tuple[RmpSection, ...]:
        entries = self._list(raw, "rmp_sections", RMP_SECTION_COUNT)
        sections: list[RmpSection] = []
        for position, entry in enumerate(entries, 1):
            section = self._model(RmpSection, entry, f"RMP section at position {position}")
            if section.number != position:
                self._fail(
                    f"RMP section {section.number}",
                    f"sections must be numbered 1 to {RMP_SECTION_COUNT} in order; expected {position}",
                )
            if section.key in {s.key for s in sections}:
                self._fail(f"RMP section {section.number}", f"key {section.key!r} is already used")
            sections.append(section)
        return tuple(sections)

    def _phases(self, raw: object) -> tuple[Phase, ...]:
        entries = self._list(raw, "phases", len(PHASE_KEYS))
        phases: list[Phase] = []
        for position, entry in enumerate(entries, 1):
            where = _where("phase", entry, position)
            phase = self._model(Phase, entry, where)
            if phase.number != position:
                self._fail(where, f"phases must be numbered 1 to {len(PHASE_KEYS)} in order; expected {position}")
            if phase.key != PHASE_KEYS[position - 1]:
                self._fail(where, f"key must be {PHASE_KEYS[position - 1]!r}, found {phase.key!r}")
            phases.append(phase)
        return tuple(phases)

    def _stages(self, raw: object, phases: Mapping[str, Phase], sections: tuple[RmpSection, ...]) -> tuple[Stage, ...]:
        if not isinstance(raw, list):
            self._fail("stages", f"expected a list of {STAGE_COUNT} stages")
        stages: list[Stage] = []
        for position, entry in enumerate(raw, 1):
            where = _where("stage", entry, position)
            if not isinstance(entry, dict):
                self._fail(where, "expected a mapping")
            if entry.get("number") != position or isinstance(entry.get("number"), bool):
                self._fail(where, f"stages must be numbered 1 to {STAGE_COUNT} in order; expected stage {position}")
            phase_key = entry.get("phase")
            phase = phases.get(phase_key) if isinstance(phase_key, str) else None
            if phase is None:
                self._fail(where, f"phase {phase_key!r} is not one of {', '.join(phases)}")
            if stages and phase.number < phases[stages[-1].phase].number:
                self._fail(where, f"phase {phase.key!r} comes before the phase of stage {position - 1}")
            model_lines = {line for p in phases.values() for line in p.lines}
            items = self._items(entry.get("items"), position, model_lines, {s.number for s in sections})
            stages.append(self._model(Stage, {**entry, "items": items}, where))
        if len(stages) != STAGE_COUNT:
            self._fail("stages", f"expected {STAGE_COUNT} stages (1 to {STAGE_COUNT}), found {len(stages)}")
        for phase in phases.values():
            if not any(stage.phase == phase.key for stage in stages):
                self._fail(_where("phase", {"number": phase.number, "key": phase.key}, phase.number), "has no stages")
        return tuple(stages)

    def _items(self, raw: object, stage: int, model_lines: set[str], sections: set[int]) -> tuple[ChecklistItem, ...]:
        if not isinstance(raw, list) or not raw:
            self._fail(f"stage {stage}", "items: expected a non-empty list of checklist items")
        items: list[ChecklistItem] = []
        seen: dict[str, int] = {}
        for position, entry in enumerate(raw, 1):
            where = f"stage {stage}, item at position {position}"
            if not isinstance(entry, dict):
                self._fail(where, "expected a mapping")
            raw_id = entry.get("id")
            if not isinstance(raw_id, str) or not raw_id.strip():
                self._fail(where, "id: Field required (a string like S4.2)")
            item_id = raw_id.strip()
            where = f"stage {stage}, item {item_id}"
            if not _ITEM_ID.fullmatch(item_id):
                self._fail(where, "id must look like S<stage>.<n>, e.g. S4.2")
            if item_id in seen:
                self._fail(where, f"duplicate id: already used by the item at position {seen[item_id]}")
            expected = f"S{stage}.{position}"
            if item_id != expected:
                self._fail(where, f"id out of sequence: expected {expected} (ids run S{stage}.1, S{stage}.2, ...)")
            for derived in ("stage", "position"):
                if derived in entry:
                    self._fail(where, f"{derived}: is worked out from the id; remove it")
            item = self._model(ChecklistItem, {**entry, "id": item_id, "stage": stage, "position": position}, where)
            if item.source is not None and item.source not in model_lines:
                self._fail(where, f"source {item.source!r} is not one of the model's do's and don'ts")
            if item.rmp_section not in sections:
                self._fail(where, f"rmp_section {item.rmp_section} is not a section of the RMP")
            seen[item_id] = position
            items.append(item)
        return tuple(items)

    def _roles(self, raw: object) -> dict[str, Role]:
        if not isinstance(raw, dict):
            self._fail("roles", "expected a mapping of role key to name and description")
        roles: dict[str, Role] = {}
        for key, entry in raw.items():
            if key not in ROLE_KEYS:
                self._fail("roles", f"unknown role {key!r}; expected {', '.join(ROLE_KEYS)}")
            if not isinstance(entry, dict):
                self._fail(f"role {key}", "expected a mapping with name and description")
            roles[key] = self._model(Role, {"key": key, **entry}, f"role {key}")
        for key in ROLE_KEYS:
            if key not in roles:
                self._fail("roles", f"missing role {key!r}")
        return roles

    def _list(self, raw: object, where: str, count: int) -> list[Any]:
        if not isinstance(raw, list) or len(raw) != count:
            found = f"{len(raw)} entries" if isinstance(raw, list) else f"a {type(raw).__name__}"
            self._fail(where, f"expected a list of {count} entries, found {found}")
        return raw

    def _model(self, model: type[_Model], data: object, where: str) -> _Model:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self._fail(where, _describe(exc))

    def _fail(self, where: str, message: str) -> NoReturn:
        raise CatalogueError(f"{self.name}: {where}: {message}")


def _where(kind: str, entry: object, position: int) -> str:
    """Name an entry by its own number (and key) when it has a usable one, else by its position."""
    number = entry.get("number") if isinstance(entry, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        return f"{kind} at position {position}"
    key = entry.get("key") if isinstance(entry, dict) else None
    return f"{kind} {number} ({key})" if isinstance(key, str) else f"{kind} {number}"


def _describe(exc: ValidationError) -> str:
    """Pydantic's errors as "field: message", which reads well after the item id."""
    parts = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"])
        parts.append(f"{location}: {error['msg']}" if location else error["msg"])
    return "; ".join(parts)
