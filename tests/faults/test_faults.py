"""Keep it found: under writers, one fault at a time, and after each of them every
acknowledged write is in the database exactly once, nothing answered 500 (an outage is a
503 with Retry-After), and Folio serves writes again within a bounded time, with no
restart (except where the fault is the master's death, and the restart the test).
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter

import pytest

from tests.faults.conftest import Faulty, Folio, alive, wait_until
from tests.faults.load import WRITERS, Answer, Author, Load, sign_up, write, writing

pytestmark = pytest.mark.faults

# Writes before the fault, so it lands on a loaded Folio.
WARM_ACKS = 5
# From the end of a fault until /api/health and a write succeed again.
RECOVERY = 20.0
# Load kept on after recovery; every write started in it must succeed.
SETTLE = 1.0
REDIS_OUTAGE = 5.0


@pytest.fixture(scope="module")
def authors(faulty: Faulty) -> list[Author]:
    """The writers' accounts, each with one article written before any fault: the write
    path works, and the tag they share exists (two writers creating one new tag at once
    answer 409, a race apart from these faults)."""
    made = [sign_up(faulty.folio.base, str(n)) for n in range(WRITERS)]
    for author in made:
        first = write(faulty.folio.base, author, f"first-{author.username}", time.monotonic)
        assert first.acknowledged, first.describe()
    return made


@pytest.fixture
def folio_up(faulty: Faulty) -> Faulty:
    """Each test starts from a healthy Folio, whatever the test before it left."""
    wait_until("Folio healthy before the fault", faulty.folio.healthy, RECOVERY)
    return faulty


def warm_up(load: Load) -> None:
    wait_until(
        f"{WARM_ACKS} acknowledged writes before the fault (so far {dict(load.statuses())})",
        lambda: sum(a.acknowledged for a in load.snapshot()) >= WARM_ACKS,
        RECOVERY,
        0.05,
    )


def recover(faulty: Faulty, load: Load, fault_over: float) -> float:
    """Wait until health answers 200 and a write started after the fault is acknowledged;
    keep the load on a little longer. The moment it recovered."""
    wait_until(
        f"a write acknowledged and /api/health 200 after the fault (answers so far: "
        f"{dict(load.statuses())})",
        lambda: load.acknowledged_since(fault_over) and faulty.folio.healthy(),
        RECOVERY,
    )
    recovered = load.now()
    time.sleep(SETTLE)
    return recovered


def logged_errors(log: str) -> str:
    """The app's logged errors, each once with its count: the request, the exception and
    the innermost line of Folio it passed through."""
    seen: Counter[str] = Counter()
    for line in log.splitlines():
        if not line.startswith("{") or '"level": "ERROR"' not in line:
            continue
        entry = json.loads(line)
        trace = str(entry.get("exc_info") or "")
        frames = re.findall(r'File "[^"]*/src/(folio/[^"]+)", line (\d+), in (\w+)', trace)
        where = " at {}:{} {}".format(*frames[-1]) if frames else ""
        exception = trace.strip().splitlines()[-1] if trace.strip() else ""
        what = f"{entry.get('method', '')} {entry.get('path', '')}: {exception}{where}"
        seen[what.strip() or entry.get("message", line[:300])] += 1
    return "\n".join(f"  {n} x {what}" for what, n in seen.most_common(10)) or "  (none)"


def no_500(answers: list[Answer], log: str) -> str | None:
    """Only 503 may say "not now", and a 503 says when to come back."""
    failed = [a for a in answers if a.status is not None and a.status >= 500 and a.status != 503]
    silent = [a for a in answers if a.status == 503 and not a.retry_after]
    if failed:
        return (
            f"{len(failed)} of {len(answers)} writes answered 5xx other than 503, e.g.\n"
            + "\n".join(f"  {a.describe()}" for a in failed[:3])
            + f"\n  logged by Folio:\n{logged_errors(log)}"
        )
    if silent:
        return "503 without Retry-After:\n" + "\n".join(f"  {a.describe()}" for a in silent[:3])
    return None


def kept(faulty: Faulty, load: Load) -> str | None:
    """Every acknowledged write in the database once; no write in it twice."""
    answers = load.snapshot()
    rows = faulty.postgres.query(
        faulty.database,
        "SELECT title, count(*) FROM articles WHERE title LIKE %s GROUP BY title",
        load.prefix + "%",
    )
    stored = {str(title): int(str(count)) for title, count in rows}
    acknowledged = [a.marker for a in answers if a.acknowledged]
    missing = [m for m in acknowledged if m not in stored]
    twice = {m: n for m, n in stored.items() if n != 1}
    unknown = sorted(set(stored) - {a.marker for a in answers})
    if missing:
        return f"{len(missing)} of {len(acknowledged)} acknowledged writes lost, e.g. {missing[:3]}"
    if twice:
        return f"writes stored more than once: {dict(list(twice.items())[:3])}"
    if unknown:
        return f"rows no writer sent: {unknown[:3]}"
    return None


def settled(load: Load, recovered: float) -> str | None:
    """Once recovered, it stays so: every write started afterwards succeeded."""
    after = [a for a in load.snapshot() if a.started > recovered]
    failed = [a for a in after if not a.acknowledged]
    if not after:
        return "no write was started after recovery"
    if failed:
        return "failed after recovery:\n" + "\n".join(f"  {a.describe()}" for a in failed[:3])
    return None


def assert_not_restarted(folio: Folio, master: int) -> None:
    """Recovered by itself: the same gunicorn master still serves."""
    assert folio.master is not None
    assert folio.master.pid == master, "Folio was restarted"
    assert alive(master), "Folio's master died"


def assert_survived(faulty: Faulty, load: Load, recovered: float) -> None:
    """All three checks, each reported: one failing does not hide the others."""
    problems = {
        "no 500": no_500(load.snapshot(), faulty.folio.log_text()),
        "kept": kept(faulty, load),
        "settled": settled(load, recovered),
    }
    failed = [f"[{name}] {problem}" for name, problem in problems.items() if problem]
    # Shown with -rP: how the fault landed, even when it passed.
    print(f"{load.prefix} answers by status: {dict(load.statuses())}")
    if failed:
        pytest.fail(
            f"answers by status: {dict(load.statuses())}\n" + "\n".join(failed), pytrace=False
        )


def test_a_killed_worker_is_replaced_and_no_acknowledged_write_is_lost(
    folio_up: Faulty, authors: list[Author]
) -> None:
    folio = folio_up.folio
    assert folio.master is not None
    master = folio.master.pid
    with writing(folio.base, authors, "worker") as load:
        warm_up(load)
        victim = folio.workers()[0]
        os.kill(victim, signal.SIGKILL)
        fault_over = load.now()
        wait_until(
            "the master replaces the killed worker",
            lambda: victim not in folio.workers() and len(folio.workers()) == 2,
            RECOVERY,
        )
        recovered = recover(folio_up, load, fault_over)
    assert_not_restarted(folio, master)
    assert_survived(folio_up, load, recovered)


def test_after_the_master_is_killed_a_new_gunicorn_serves_and_nothing_is_lost(
    folio_up: Faulty, authors: list[Author]
) -> None:
    folio = folio_up.folio
    with writing(folio.base, authors, "master") as load:
        warm_up(load)
        orphans = folio.kill_master()
        # Orphaned workers notice their parent is gone and leave, freeing the port.
        wait_until(
            "the orphaned workers exit",
            lambda: not any(alive(pid) for pid in orphans),
            RECOVERY,
        )
        folio.start()
        fault_over = load.now()
        recovered = recover(folio_up, load, fault_over)
    assert_survived(folio_up, load, recovered)


def test_a_redis_outage_is_ridden_out_and_nothing_is_lost(
    folio_up: Faulty, authors: list[Author]
) -> None:
    folio = folio_up.folio
    assert folio.master is not None
    master = folio.master.pid
    with writing(folio.base, authors, "redis") as load:
        warm_up(load)
        folio_up.redis.stop()
        time.sleep(REDIS_OUTAGE)
        folio_up.redis.start()
        fault_over = load.now()
        recovered = recover(folio_up, load, fault_over)
    assert_not_restarted(folio, master)
    assert_survived(folio_up, load, recovered)


def test_a_postgresql_restart_is_ridden_out_and_nothing_is_lost(
    folio_up: Faulty, authors: list[Author]
) -> None:
    folio = folio_up.folio
    assert folio.master is not None
    master = folio.master.pid
    with writing(folio.base, authors, "postgres") as load:
        warm_up(load)
        folio_up.postgres.restart()
        fault_over = load.now()
        recovered = recover(folio_up, load, fault_over)
    assert_not_restarted(folio, master)
    assert_survived(folio_up, load, recovered)
