"""A job's fields, declared once: name, JSON type, bounds, default and help of each.

``Scheduler.create`` checks a job with :func:`check_job`; the REST body (``POST jobs``), the
options of ``mmds jobs create``, the arguments of ``%mmds schedule`` and openapi.json's
``JobCreate`` schema are made from (or tested against) :data:`JOB_FIELDS`, so that no front end
spells a field, a range or a default of its own.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInput
from ..refs import _NAME, MAX_INT, MAX_NAME, MAX_TEXT, check_name, check_text
from .entities import CATCHUP
from .errors import JobRefused, ParameterRefused
from .outcomes import MAX_BACKOFF_S

# The job table's integer columns are 32-bit in PostgreSQL.
MAX_WHOLE = MAX_INT
# Timeouts and retry delays become timedeltas (which overflow); a year is plenty for either.
MAX_SECONDS = int(MAX_BACKOFF_S)

# kind: (what a value must be, in words; the JSON schema type)
KINDS: dict[str, tuple[str, str]] = {
    "name": ("text", "string"),
    "text": ("text", "string"),
    "choice": ("text", "string"),
    "whole": ("a whole number", "integer"),
    "number": ("a number", "number"),
    "boolean": ("true or false", "boolean"),
    "object": ("an object of parameter names and values", "object"),
}


@dataclass(frozen=True)
class JobField:
    """One field of a job definition: a keyword of ``Scheduler.create`` and of the JSON body."""

    name: str
    kind: str
    help: str
    default: Any = None
    required: bool = False
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    unit: str = ""
    # The command-line spelling when it is not ``--name-with-dashes``.
    option: str | None = None
    short: str | None = None
    metavar: str | None = None
    # Added to the help of the command-line option (how to write the value there).
    cli_help: str = ""
    # The stored Job's attribute that holds it, when not the same name (cron and every are
    # both read from ``schedule``): what keeps a field that a change does not name.
    column: str | None = None

    @property
    def flag(self) -> str:
        """The long option of ``mmds jobs create`` and ``%mmds schedule``."""
        return self.option or "--" + self.name.replace("_", "-")

    def type_ok(self, value: Any, body: bool = False) -> bool:
        """Whether ``value`` has this field's type (None passes when the field is nullable).

        In a request ``body`` text holds no NUL: PostgreSQL refuses it in text columns. From
        Python each field's own check names the problem (a NUL in a notebook path is refused
        as a path that cannot be used).
        """
        if value is None:
            return self.nullable
        if self.kind in ("name", "text", "choice"):
            return isinstance(value, str) and not (body and "\x00" in value)
        if self.kind == "whole":
            return isinstance(value, int) and not isinstance(value, bool)
        if self.kind == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.kind == "boolean":
            return isinstance(value, bool)
        return isinstance(value, Mapping)

    def type_error(self, value: Any) -> str:
        what = KINDS[self.kind][0]
        also = " or null" if self.nullable else ""
        return f"The field {self.name!r} must be {what}{also}, not {value!r:.80}."

    def bounds(self) -> str:
        """The allowed range in words, e.g. ``from 1 to 2147483647``."""
        if self.choices:
            return f"one of {', '.join(self.choices)}"
        if self.minimum is None and self.maximum is None:
            return ""
        low, high = f"{self.minimum:.15g}", f"{self.maximum:.15g}"
        if self.exclusive_minimum:
            return f"more than {low} and at most {high}"
        return f"from {low} to {high}"

    def in_range(self, value: Any) -> bool:
        if value is None:
            return True
        if self.choices:
            return value in self.choices
        if isinstance(value, float) and not math.isfinite(value):
            return False
        low = self.minimum
        if low is not None and (value < low or (self.exclusive_minimum and value == low)):
            return False
        return self.maximum is None or value <= self.maximum

    def range_error(self, value: Any) -> str:
        if self.choices:
            return f"{self.name} must be {self.bounds()}, not {value!r:.80}."
        what = KINDS[self.kind][0] + (f" of {self.unit}" if self.unit else "")
        also = " (or null)" if self.nullable else ""
        return f"{self.name} must be {what} {self.bounds()}{also}, not {value!r:.80}."

    def schema(self) -> dict[str, Any]:
        """This field in openapi.json's ``JobCreate`` schema (OpenAPI 3.0)."""
        out: dict[str, Any] = {"type": KINDS[self.kind][1]}
        if self.kind == "name":
            out["pattern"] = f"^{_NAME}$"
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        if self.choices:
            out["enum"] = list(self.choices)
        if self.nullable:
            out["nullable"] = True
        if self.minimum is not None:
            out["minimum"] = self.minimum
            if self.exclusive_minimum:
                out["exclusiveMinimum"] = True
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.default is not None:
            out["default"] = self.default
        out["description"] = self.help
        return out


JOB_FIELDS: tuple[JobField, ...] = (
    JobField(
        "name",
        "name",
        "The job's name: letters, digits, '_', '.' or '-', starting with a letter, digit or '_'.",
        required=True,
        max_length=MAX_NAME,
    ),
    JobField(
        "notebook",
        "text",
        "A notebook with a cell tagged 'parameters', under the allowed root folder (the "
        "server's root as the file browser shows it, $MMDS_ROOT_DIR for the CLI and magics, or "
        "c.MMDSScheduler.root_dir when the operator set one).",
        required=True,
    ),
    JobField(
        "cron",
        "text",
        "Five fields (minute hour day-of-month month day-of-week), or six with seconds, "
        "e.g. '0 2 * * *'.",
        nullable=True,
    ),
    JobField(
        "every",
        "text",
        "An interval instead of cron, e.g. '30s', '5m', '1h', '1d'.",
        nullable=True,
    ),
    JobField(
        "parameters",
        "object",
        "Values for names that the notebook's parameters cell declares; model_ref must name a "
        "version (an alias is resolved at each run).",
        nullable=True,
        option="--param",
        short="-p",
        metavar="KEY=VALUE",
        cli_help="Written KEY=VALUE (-p a=1 b=2, or repeat -p); values are typed like the "
        "notebook's defaults.",
    ),
    JobField(
        "timezone", "text", "IANA time zone of the cron expression.", default="UTC", option="--tz"
    ),
    JobField(
        "max_concurrent",
        "whole",
        "Runs of this job at once.",
        default=1,
        minimum=1,
        maximum=MAX_WHOLE,
    ),
    JobField(
        "timeout",
        "number",
        "Seconds before the kernel is stopped.",
        nullable=True,
        minimum=0,
        exclusive_minimum=True,
        maximum=MAX_SECONDS,
        unit="seconds",
        column="timeout_s",
    ),
    JobField(
        "retries",
        "whole",
        "Retries after a failure.",
        default=0,
        minimum=0,
        maximum=MAX_WHOLE,
        column="max_retries",
    ),
    JobField(
        "retry_delay",
        "number",
        "Seconds before the first retry; doubled after each failure.",
        default=60.0,
        minimum=0,
        maximum=MAX_SECONDS,
        unit="seconds",
        column="retry_delay_s",
    ),
    JobField(
        "catchup",
        "choice",
        "Occurrences missed while no scheduler ran: run once for all, or skip.",
        default="once",
        choices=CATCHUP,
    ),
    JobField(
        "keep_outputs",
        "whole",
        "Keep the output notebooks and logs of the newest N finished runs; without it (null), "
        "all are kept.",
        nullable=True,
        minimum=1,
        maximum=MAX_WHOLE,
        metavar="N",
    ),
    JobField(
        "description",
        "text",
        "What the job is for, shown with it.",
        nullable=True,
        max_length=MAX_TEXT,
    ),
    JobField("paused", "boolean", "Create the job paused.", default=False),
    JobField(
        "spark_master",
        "text",
        "The Spark master the notebook runs against, e.g. 'spark://host:7077', 'yarn' or "
        "'local[2]': set as MASTER in the kernel's environment, so SparkSession.builder."
        "getOrCreate() uses it, and as the parameter spark_master if the notebook declares it.",
        nullable=True,
        max_length=2000,
        metavar="URL",
    ),
)
FIELDS: dict[str, JobField] = {f.name: f for f in JOB_FIELDS}
# Only one of these may be given: a job runs on a cron schedule, at an interval, or on demand.
SCHEDULE_FIELDS = ("cron", "every")


def check_job(values: Mapping[str, Any], error: type[InvalidInput] = JobRefused) -> None:
    """Refuse a value of the wrong type (``error``) or out of its field's range (JobRefused).

    The one place that checks a job's fields one by one; ``Scheduler.create`` then checks what
    needs the world (the notebook, the schedule, the parameters the notebook declares).
    """
    for name, value in values.items():
        field = FIELDS[name]
        if not field.type_ok(value):
            raise error(field.type_error(value))
    for name, value in values.items():
        field = FIELDS[name]
        if field.kind == "name":
            check_name("Job", value)
        elif field.kind == "text" and field.max_length is not None:
            check_text(f"The job's {name}", value, field.max_length)
        elif not field.in_range(value):
            raise JobRefused(field.range_error(value))


def refuse_unknown(names: Iterable[str], error: type[InvalidInput]) -> None:
    """Refuse (with ``error``) names that are not fields of a job."""
    unknown = sorted(set(names) - set(FIELDS))
    if unknown:
        raise error(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; a job takes {', '.join(FIELDS)}."
        )


def read_fields(
    data: Mapping[str, Any], error: type[InvalidInput], partial: bool = False
) -> dict[str, Any]:
    """The keyword arguments of ``Scheduler.create`` (or, ``partial``, of ``Scheduler.update``:
    the fields to change) from a mapping such as a JSON body: unknown and missing fields and
    values of the wrong type are refused with ``error``."""
    refuse_unknown(data, error)
    missing = [f.name for f in JOB_FIELDS if f.required and f.name not in data]
    if missing and not partial:
        raise error(f"The field(s) {', '.join(missing)} are required to create a job.")
    for name, value in data.items():
        if not FIELDS[name].type_ok(value, body=True):
            raise error(FIELDS[name].type_error(value))
    return dict(data)


def definition_of(job: Any) -> dict[str, Any]:
    """The keyword arguments of ``Scheduler.create`` that define a stored Job as it is: what a
    change keeps of the fields it does not name (every field of :data:`JOB_FIELDS`)."""
    schedule = job.schedule or None
    every = None
    if schedule and schedule.startswith("every "):
        # Read back as a number: jobs stored before intervals were written in full digits
        # hold e.g. "every 1.728e+06s", which an interval given anew may not be.
        every = f"{float(schedule[len('every ') : -1]):.15g}s"
    out: dict[str, Any] = {}
    for f in JOB_FIELDS:
        if f.name == "cron":
            out[f.name] = None if every else schedule
        elif f.name == "every":
            out[f.name] = every
        else:
            out[f.name] = getattr(job, f.column or f.name)
    return out


def parse_parameters(pairs: Iterable[str] | None) -> dict[str, str]:
    """``-p KEY=VALUE`` words (CLI and magic) as a mapping of text values."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterRefused(
                f"-p takes KEY=VALUE (e.g. -p model_ref=churn@champion), not {pair!r}."
            )
        out[key.strip()] = value
    return out


def _blank_is_none(convert: Any) -> Any:
    """An option type that reads '' as None (clearing a field in ``mmds jobs edit``)."""

    def read(text: str) -> Any:
        return None if text == "" else convert(text)

    read.__name__ = convert.__name__  # argparse names the type in its error
    return read


def job_arguments(
    positional: Iterable[str] = (), editing: bool = False
) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """``add_argument`` flags and keywords of every field, in the spec's order.

    ``mmds jobs create`` takes every field as an option; ``%mmds schedule`` takes the fields
    named in ``positional`` (name, notebook) as positional arguments. Each option stores into
    the field's own name, so :func:`from_arguments` reads the parsed namespace back.
    ``editing`` (``mmds jobs edit NAME``): an option not given is absent from the namespace
    (the job keeps that field), ``--paused``/``--no-paused``, and '' clears a field that may
    be empty.
    """
    positional = tuple(positional)
    out: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    for f in JOB_FIELDS:
        text = f"{f.help} {f.cli_help}".strip()
        if editing and f.nullable and f.kind != "object":
            text += " Give '' to clear it."
        kw: dict[str, Any] = {"help": text}
        if f.name in positional:
            out.append(((f.name,), kw))
            continue
        flags = (f.short, f.flag) if f.short else (f.flag,)
        kw["dest"] = f.name
        kw["metavar"] = f.metavar or f.flag.lstrip("-").replace("-", "_").upper()
        if f.required and not editing:
            kw["required"] = True
        if f.kind == "boolean":
            kw = {"help": text, "dest": f.name, "action": "store_true"}
            if editing:
                kw["action"] = argparse.BooleanOptionalAction
        elif f.kind == "object":
            kw.update(action="extend", nargs="+", default=None)
        else:
            kw["default"] = f.default
            if f.kind == "whole":
                kw["type"] = int
            elif f.kind == "number":
                kw["type"] = float
            elif f.choices:
                kw["choices"] = list(f.choices)
                del kw["metavar"]
            if editing and f.nullable:
                kw["type"] = _blank_is_none(kw.get("type", str))
        if editing:
            kw["default"] = argparse.SUPPRESS
        out.append((flags, kw))
    return out


def from_arguments(args: Any) -> dict[str, Any]:
    """The keyword arguments of ``Scheduler.create`` (or ``update``: only the options given)
    from a namespace that :func:`job_arguments` parsed (``-p`` pairs become the parameters
    mapping)."""
    values = {f.name: getattr(args, f.name) for f in JOB_FIELDS if hasattr(args, f.name)}
    if "parameters" in values:
        values["parameters"] = parse_parameters(values["parameters"])
    return values
