"""``oddsflow sink`` that prints every asyncio task's stack on SIGUSR1 (for a stuck sink).

Run as ``python -m tests.reliability.sink_debug <sink options>`` (the repository root on
``PYTHONPATH``). Nothing else changes: the campaign signals it when a sink stops making
progress, so that the failure report says where each member's coroutines wait.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
import traceback
from types import FrameType
from typing import Any


def dump_tasks(signum: int, frame: FrameType | None) -> None:
    """Print where the main thread is (a task that never yields shows there), then the
    await chain of every task of the running loop and each member's state, to stderr."""
    loop = asyncio._get_running_loop()
    if loop is None:
        print("SIGUSR1: no running loop", file=sys.stderr, flush=True)
        return
    tasks = asyncio.all_tasks(loop)
    print(f"SIGUSR1: {len(tasks)} tasks; the main thread was executing:", file=sys.stderr)
    print("".join(traceback.format_stack(frame, limit=15)), file=sys.stderr, flush=True)
    for task in tasks:
        print(f"--- {task!r}"[:300], file=sys.stderr)
        for line in await_chain(task.get_coro()):
            print(f"    {line}", file=sys.stderr)
    for line in member_states():
        print(line, file=sys.stderr)
    sys.stderr.flush()


def member_states() -> list[str]:
    """The state of each sink member (private attributes: best effort, for diagnosis only)."""
    import gc

    lines = []
    for obj in gc.get_objects():
        if type(obj).__name__ != "SinkMember":
            continue
        try:
            m: Any = obj
            pos, fl, consumer = m._positions, m._flusher, m._consumer
            task = fl.task
            lines.append(
                f"member {m.label}: stats {m.stats}; positions pending={sorted(pos.pending)} "
                f"held={pos.held} stored={pos.stored} position={pos.position}; flusher outage={fl.outage} "
                f"closed={[len(b) for b in fl.closed]} task={task!r}; open batch {len(m._batch)} records; "
                f"assignment={sorted(tp.partition for tp in consumer.assignment())} "
                f"paused={sorted(tp.partition for tp in consumer.paused())}; "
                f"seek retry in {pos.retry_at - time.monotonic():.1f}s; {coordinator(consumer)}; "
                f"{postgres_session(m.writer.conn)}"
            )
        except Exception as exc:
            lines.append(f"member state unreadable: {exc!r}")
    return lines


def postgres_session(conn: Any) -> str:
    """The writer's asyncpg connection as the client sees it (to match pg_stat_activity)."""
    if conn is None:
        return "no writer connection"
    try:
        proto = conn._protocol
        transport = getattr(conn, "_transport", None)
        return (
            f"writer connection: server pid {conn.get_server_pid()}, closed={conn.is_closed()}, "
            f"in transaction={conn.is_in_transaction()}, cancelling={proto._is_cancelling()}, "
            f"queries={proto.queries_count}, "
            f"reading={transport.is_reading() if transport is not None else None}, "
            f"{selector_key(transport)}"
        )
    except Exception as exc:
        return f"writer connection unreadable: {exc!r}"


def selector_key(transport: Any) -> str:
    """Whether the loop still watches the transport's socket for reading (a reader removed
    by a stale file descriptor would leave a reply unread forever)."""
    try:
        fd = transport.get_extra_info("socket").fileno()
        key = asyncio.get_running_loop()._selector.get_key(fd)  # type: ignore[attr-defined]
        reader = key.data[0] if key.data else None
        return f"fd {fd} selector events {key.events} reader {reader!r}"[:300]
    except Exception as exc:
        return f"selector key unreadable: {exc!r}"


def coordinator(consumer: Any) -> str:
    """The consumer's group membership as aiokafka sees it (private attributes)."""
    try:
        c, sub = consumer._coordinator, consumer._subscription
        return (
            f"member_id={c.member_id} generation={c.generation} "
            f"rejoin_needed={c.need_rejoin(sub.subscription)} "
            f"reassignment_in_progress={sub.reassignment_in_progress}"
        )
    except Exception as exc:
        return f"coordinator unreadable: {exc!r}"


def await_chain(coro: object) -> list[str]:
    """``file:line in function`` of each coroutine the task awaits through, outermost first."""
    lines = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            lines.append(f"awaiting {coro!r}"[:200])
            break
        lines.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return lines


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, dump_tasks)
    from streams.cli.main import main

    main(["sink", *sys.argv[1:]])
