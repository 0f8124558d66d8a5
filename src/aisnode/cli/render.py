"""Output for `aisctl`: sizes and times as the `ais` CLI prints them, tables, progress bars.

Tables are plain column-aligned text (rich, no borders) like `ais` output, so that they read the
same on a terminal and in a pipe. Progress bars go to stderr and only when it is a terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

_IEC = (("EiB", 1 << 60), ("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30),
        ("MiB", 1 << 20), ("KiB", 1 << 10))


def format_size(n: int, digits: int = 2) -> str:
    """IEC size as `ais` prints it: `123B`, `1.50KiB`, `12.00MiB`."""
    for unit, scale in _IEC:
        if abs(n) >= scale:
            return f"{n / scale:.{digits}f}{unit}"
    return f"{n}B"


def format_time_ns(ns: int) -> str:
    """Local time in Go's RFC822 layout (`06 Jan 20 14:55 PST`), as `ais object show` does."""
    if not ns:
        return "-"
    dt = datetime.fromtimestamp(ns / 1e9).astimezone()
    return dt.strftime("%d %b %y %H:%M %Z")


def format_value(v: Any) -> str:
    """A props value for a PROPERTY/VALUE table: booleans lower-case, empty as `-`."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None or v == "":
        return "-"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested props to dotted keys: `{"checksum": {"type": "md5"}}` -> `{"checksum.type": ...}`."""
    out: dict[str, Any] = {}
    for k, v in tree.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys to a nested partial tree (the inverse of `flatten`)."""
    out: dict[str, Any] = {}
    for key, v in flat.items():
        node = out
        parts = key.split(".")
        for p in parts[:-1]:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise ValueError(f'conflicting keys for "{key}"')
            node = nxt
        node[parts[-1]] = v
    return out


# uint64 props that AIS sends as strings, and props whose values are names, never coerced
_STRING_KEYS = {"access", "features", "bid", "created", "backend_bck"}


def coerce(key: str, text: str, like: Any = None) -> Any:
    """Turn a `k=v` value into JSON: typed like the current value when known, else guessed."""
    if key in _STRING_KEYS or isinstance(like, str):
        return text
    low = text.strip().lower()
    if isinstance(like, bool) or (like is None and low in ("true", "false")):
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        return text
    if isinstance(like, int) or like is None:
        try:
            return int(low)
        except ValueError:
            return text
    return text


def parse_props(args: Sequence[str], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Props given as one JSON object, or as `k=v` / `k v` words (also one quoted string).

    Returns a nested partial tree. With `current` (the bucket's props) values get their types.
    """
    words: list[str] = []
    for a in args:
        if a.lstrip().startswith("{"):
            if len(args) != 1:
                raise ValueError("JSON props must be the only argument")
            doc = json.loads(a)
            if not isinstance(doc, dict):
                raise ValueError("JSON props must be an object")
            return nest(flatten(doc)) if any("." in k for k in doc) else doc
        words.extend(a.split())
    if not words:
        raise ValueError("no properties given")
    flat_cur = flatten(current) if current else {}
    flat: dict[str, Any] = {}
    i = 0
    while i < len(words):
        w = words[i]
        if "=" in w:
            k, _, v = w.partition("=")
            i += 1
        elif i + 1 < len(words):
            k, v = w, words[i + 1]
            i += 2
        else:
            raise ValueError(f'missing value for property "{w}"')
        if not k:
            raise ValueError(f'invalid property "{w}"')
        flat[k] = coerce(k, v, flat_cur.get(k))
    return nest(flat)


# --- tables --------------------------------------------------------------------------------------
def make_console(stderr: bool = False) -> Console:
    """A console that does not wrap or colour when not writing to a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(
        file=stream, stderr=stderr, highlight=False, soft_wrap=not tty,
        width=None if tty else 10_000, no_color=not tty, emoji=False,
    )


def table(
    headers: Sequence[str], rows: Iterable[Sequence[str]], *, no_headers: bool = False
) -> Table:
    """Borderless, left-aligned columns separated by two spaces, like `ais` tables."""
    t = Table(
        box=None, show_header=not no_headers, header_style="bold", pad_edge=False,
        padding=(0, 2, 0, 0), show_edge=False,
    )
    for h in headers:
        t.add_column(h, no_wrap=True, overflow="fold")
    for r in rows:
        t.add_row(*(escape(c) for c in r))
    return t


def print_table(
    console: Console,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    no_headers: bool = False,
) -> None:
    """Render and print a table, stripping the padding rich leaves at line ends."""
    t = table(headers, rows, no_headers=no_headers)
    with console.capture() as cap:
        console.print(t)
    text = "\n".join(line.rstrip() for line in cap.get().splitlines())
    console.file.write(text + "\n")


def print_json(console: Console, doc: Any) -> None:
    console.file.write(json.dumps(doc, indent=2, sort_keys=False) + "\n")


# --- progress ------------------------------------------------------------------------------------
class SpeedColumn(ProgressColumn):
    """Transfer speed in IEC units (`12.50MiB/s`), matching the sizes the CLI prints."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        shown = "?" if speed is None else f"{format_size(int(speed))}/s"
        return Text(shown, style="progress.data.speed")


class Transfer:
    """Byte progress over one or many files; a no-op unless stderr is a terminal."""

    def __init__(self, description: str, total: int | None, *, enabled: bool | None = None) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                SpeedColumn(),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._task = self._progress.add_task(description, total=total)

    def __enter__(self) -> Transfer:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def advance(self, n: int) -> None:
        """Progress callback: `n` more bytes moved."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=n)

    def describe(self, description: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=description)


class _CountColumn(ProgressColumn):
    """`12/100 objects` (or `12 objects` while the total is unknown)."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        if task.total is None:
            return Text(f"{done} objects", style="progress.download")
        return Text(f"{done}/{int(task.total)} objects", style="progress.download")


class _BytesColumn(ProgressColumn):
    """Bytes moved so far (a task field, since the bar itself counts objects)."""

    def render(self, task: Task) -> Text:
        if not task.fields.get("show_bytes", True):
            return Text("")
        return Text(format_size(int(task.fields.get("nbytes", 0))), style="progress.filesize")


class JobBar:
    """Progress of a server-side job (objects, and bytes) fed by `Client.wait_job(progress=)`;
    a no-op unless stderr is a terminal."""

    def __init__(
        self,
        description: str,
        total_objs: int | None,
        *,
        enabled: bool | None = None,
        console: Console | None = None,
        show_bytes: bool = True,
    ) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                _CountColumn(),
                _BytesColumn(),
                TimeElapsedColumn(),
                console=console or Console(file=sys.stderr),
                transient=True,
            )
            self._task = self._progress.add_task(
                description, total=total_objs, nbytes=0, show_bytes=show_bytes
            )

    def __enter__(self) -> JobBar:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, p: Any) -> None:
        """Progress callback: `p` is a `client.JobProgress` (summed counters of the job)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=p.objs, nbytes=p.bytes)
            self._progress.refresh()
