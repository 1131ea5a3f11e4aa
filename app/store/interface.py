"""The store's interface: the records the app keeps and the verbs it needs, whatever holds them.

Kept small on purpose, so that another backend (PostgreSQL for several replicas, a later issue) implements
the same methods. Every method is one transaction; records are plain values, never live objects.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

# An owner is a browser's id (32 hex digits) or, with st.login, this prefix and the signed-in e-mail.
SIGNED_IN_PREFIX = "login:"

RUN_FIELDS = ("state", "message", "epoch", "model_name", "checkpoint_epoch", "state_dir", "cpu_s", "need_bytes",
              "queue_order", "started_at", "finished_at", "replica")


RUN_COLUMNS = ("id", "owner", "number", "address", "label", "config", "submitted_at", *RUN_FIELDS)


def run_assignments(fields: dict, mark: str) -> str:
    """The SET clause of an update of some RUN_FIELDS, with the backend's placeholder `mark` (? or %s)."""
    unknown = set(fields) - set(RUN_FIELDS)
    if unknown:
        raise ValueError(f"not run fields: {sorted(unknown)}")
    return ", ".join(f"{k} = {mark}" for k in fields)  # only RUN_FIELDS, checked above


def runs_query(owner: str | None, states: tuple[str, ...] | None, mark: str) -> tuple[str, tuple]:
    """SELECT of the runs of one owner and/or in some states, by id, with the backend's placeholder."""
    where, args = [], []
    if owner is not None:
        where.append(f"owner = {mark}")
        args.append(owner)
    if states:
        where.append(f"state IN ({', '.join([mark] * len(states))})")
        args += list(states)
    sql = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql + " ORDER BY id", tuple(args)


@dataclass(frozen=True)
class RunRecord:
    id: int  # server-wide, never reused
    owner: str
    number: int  # the owner's own count: a visitor's first run is 1
    address: str | None
    label: str
    config: dict  # TrainConfig.to_dict()
    state: str  # queued, running, paused, done, stopped, failed, interrupted
    message: str = ""
    epoch: int = 0  # epochs completed
    model_name: str | None = None  # "user:<name>" reserved for its checkpoints
    checkpoint_epoch: int = 0  # the epoch of the last resumable state (0: none)
    state_dir: str | None = None
    cpu_s: float = 0.0
    need_bytes: int = 0  # what its checkpoint will take, reserved against the quotas while it is active
    submitted_at: float = 0.0
    queue_order: float = 0.0  # the queue is sorted by it: a resumed run keeps its first place
    started_at: float | None = None
    finished_at: float | None = None
    replica: str | None = None  # the server process that queues and trains it (replica_id()); None: before v2


@dataclass(frozen=True)
class ModelRecord:
    name: str  # "user:<name>"
    owner: str | None  # None: written outside the app (the CLI, a teacher), a class model
    source: str  # "trained" or "uploaded"
    run_id: int | None
    created_at: float


@dataclass(frozen=True)
class LessonEvent:
    event: str  # one of app.common.lesson_events.EVENTS
    values: dict  # validated there: a few finite numbers, booleans and short strings
    at: float


@dataclass(frozen=True)
class ClassPoint:
    id: int
    owner: str  # never shown: points are anonymous; a visitor's own are told apart by comparing it
    label: int  # the class the student said it is
    pixels: bytes  # 28x28 uint8, the preprocessed drawing
    x: float  # the encoder's mean, on the class map's 2-D model
    y: float
    at: float


@dataclass(frozen=True)
class ClassPointLimits:
    per_minute: int  # one visitor's points in any 60 s
    per_visitor: int  # one visitor's points on one board
    per_board: int  # all points on one board


@dataclass(frozen=True)
class ClassBoard:
    """A class map a teacher created: its students join it with its code, which is never stored."""
    board: str  # "class-" and 16 hex digits of the code's sha256
    title: str  # the teacher's name for it, shown to whoever joins
    created_at: float


class ClassMapFull(Exception):
    """A point refused by a limit; the message is the one line the visitor sees."""


class Store(ABC):
    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- runs ---
    @abstractmethod
    def create_run(self, owner: str, address: str | None, label: str, config: dict, need_bytes: int,
                   submitted_at: float) -> RunRecord:
        """A new queued run, numbered after the owner's previous ones (forgotten runs included)."""

    @abstractmethod
    def update_run(self, run_id: int, **fields) -> None:
        """Set some of RUN_FIELDS."""

    @abstractmethod
    def runs(self, owner: str | None = None, states: tuple[str, ...] | None = None) -> list[RunRecord]:
        """Runs by id, of one owner and/or in some states."""

    @abstractmethod
    def delete_runs(self, run_ids: list[int]) -> None: ...

    @abstractmethod
    def add_epoch(self, run_id: int, epoch: int, record: dict) -> None: ...

    @abstractmethod
    def history(self, run_id: int) -> list[dict]: ...

    @abstractmethod
    def truncate_history(self, run_id: int, epochs: int) -> None:
        """Keep the first `epochs` epochs (a run resumed from an earlier state)."""

    # --- models ---
    @abstractmethod
    def add_model(self, name: str, owner: str | None, source: str, run_id: int | None = None) -> None: ...

    @abstractmethod
    def models(self) -> dict[str, ModelRecord]: ...

    @abstractmethod
    def rename_model(self, old: str, new: str) -> None: ...

    @abstractmethod
    def delete_model(self, name: str) -> None: ...

    # --- lesson progress ---
    @abstractmethod
    def add_lesson_event(self, owner: str, event: str, values: dict, at: float, keep: int, keep_total: int) -> None:
        """Record what the owner did; of each event kind only the owner's newest `keep` stay, and of all
        owners' events together at most the newest `keep_total` (many browser ids cannot fill the disk)."""

    @abstractmethod
    def lesson_events(self, owner: str) -> list[LessonEvent]:
        """The owner's recorded events, oldest first: never another owner's."""

    # --- the class map ---
    @abstractmethod
    def add_class_point(self, board: str, owner: str, label: int, pixels: bytes, x: float, y: float, at: float,
                        limits: ClassPointLimits) -> int:
        """The new point's id; raises ClassMapFull when a limit would be passed (checked in the same
        transaction, so two tabs of one visitor cannot both squeeze in)."""

    @abstractmethod
    def class_points(self, board: str) -> list[ClassPoint]:
        """The board's points, oldest first."""

    @abstractmethod
    def delete_class_point(self, board: str, point_id: int) -> None: ...

    @abstractmethod
    def clear_class_points(self, board: str) -> None: ...

    @abstractmethod
    def add_class_board(self, board: str, title: str, at: float, most: int) -> None:
        """Record a teacher's class map; raises ClassMapFull when `most` exist already (checked in the same
        transaction) or `board` does."""

    @abstractmethod
    def class_boards(self) -> list[ClassBoard]:
        """The teachers' class maps, oldest first."""

    @abstractmethod
    def delete_class_board(self, board: str) -> None:
        """The class map and every point on it."""


def class_board_refusal(exists: bool, count: int, most: int) -> str | None:
    """Why a teacher's new class map may not be created, or None: the same rule in every backend."""
    if exists:
        return "a class map with this code exists already"
    if count >= most:
        return f"this server keeps at most {most} class maps: delete one first"
    return None


def class_point_refusal(recent: int, own: int, total: int, limits: ClassPointLimits) -> str | None:
    """Why a new point may not be added, or None: the same rule in every backend."""
    if total >= limits.per_board:
        return f"the class map is full ({limits.per_board:,} points); ask your teacher to clear it"
    if own >= limits.per_visitor:
        return f"you have added {own} points, the most one visitor may add"
    if recent >= limits.per_minute:
        return f"at most {limits.per_minute} points a minute: wait a moment and add it again"
    return None
