"""Plain Python peer of `analytics` for benchmarks: FastAPI + SQLAlchemy + redis-py.

One endpoint, GET /api/v1/users/{uid}/analytics/overview, written the way a
typical team would: sync endpoints in FastAPI's threadpool, a SQLAlchemy
engine with a connection pool, cache-aside in Redis. Only a yardstick.
"""

import hashlib
import hmac
import json
import math
import os
from datetime import datetime, timezone

import redis
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse, Response
from sqlalchemy import (Boolean, Column, DateTime, MetaData, Table, Text,
                        and_, case, create_engine, func, select)

CACHE_TTL_S = 300
STATUSES = ("todo", "in_progress", "done", "cancelled")
PRIORITIES = ("low", "medium", "high", "urgent")
WEIGHTS = {"low": 1, "medium": 2, "high": 3, "urgent": 4}


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


engine = create_engine(
    _sqlalchemy_url(os.environ["DATABASE_URL"]),
    pool_size=10,
    max_overflow=10,
    pool_pre_ping=True,
    pool_recycle=3600,
)
cache = redis.Redis(connection_pool=redis.ConnectionPool.from_url(
    os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")))
ADMIN_TOKEN = os.environ.get("ANALYTICS_ADMIN_TOKEN", "")

metadata = MetaData()
users = Table("users", metadata,
              Column("id", Text, primary_key=True),
              Column("created_at", DateTime(timezone=True)),
              Column("token_hash", Text))
tasks = Table("tasks", metadata,
              Column("id", Text, primary_key=True),
              Column("user_id", Text),
              Column("status", Text),
              Column("priority", Text),
              Column("due_at", DateTime(timezone=True)),
              Column("completed_at", DateTime(timezone=True)),
              Column("deleted", Boolean))

app = FastAPI()


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status, media_type="application/problem+json")


def percent(numerator: float, denominator: float) -> float:
    """SPEC §3: percentage rounded to 2 decimals, 0 when the denominator is 0."""
    if denominator <= 0:
        return 0.0
    return math.floor(10000.0 * numerator / denominator + 0.5) / 100.0


def format_time(t: datetime) -> str:
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ("." + "%06d" % t.microsecond).rstrip("0")
    return s + "Z"


def authenticate(conn, authorization):
    """Returns (user_id or None, is_admin), or None when the token is missing/unknown."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    token = authorization[len("Bearer "):].strip()
    if not token:
        return None
    if ADMIN_TOKEN and hmac.compare_digest(token.encode(), ADMIN_TOKEN.encode()):
        return (None, True)
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    row = conn.execute(select(users.c.id).where(users.c.token_hash == token_hash)).first()
    if row is None:
        return None
    return (row.id, False)


def compute_overview(conn, uid: str) -> dict:
    now = datetime.now(timezone.utc)
    on_time = case(
        (tasks.c.due_at.is_(None), 1.0),
        (tasks.c.completed_at <= tasks.c.due_at, 1.0),
        else_=0.5)
    rows = conn.execute(
        select(tasks.c.status, tasks.c.priority,
               func.count().label("n"), func.sum(on_time).label("f"))
        .where(and_(tasks.c.user_id == uid, tasks.c.deleted.is_(False)))
        .group_by(tasks.c.status, tasks.c.priority)).all()
    overdue = conn.execute(
        select(func.count()).select_from(tasks)
        .where(and_(tasks.c.user_id == uid, tasks.c.deleted.is_(False),
                    tasks.c.status.in_(("todo", "in_progress")),
                    tasks.c.due_at < now))).scalar_one()

    by_status = dict.fromkeys(STATUSES, 0)
    by_priority = dict.fromkeys(PRIORITIES, 0)
    weight_total = 0.0
    weight_done = 0.0
    for r in rows:
        by_status[r.status] += r.n
        by_priority[r.priority] += r.n
        if r.status != "cancelled":
            weight_total += WEIGHTS[r.priority] * r.n
        if r.status == "done":
            weight_done += WEIGHTS[r.priority] * float(r.f)
    total = sum(by_status.values())
    return {
        "user_id": uid,
        "as_of": format_time(now),
        "task_totals": {"total": total, **by_status, "overdue": overdue},
        "completion_rate": percent(by_status["done"], total - by_status["cancelled"]),
        "priority_distribution": by_priority,
        "status_distribution": by_status,
        "productivity_score": percent(weight_done, weight_total),
    }


@app.get("/api/v1/users/{uid}/analytics/overview")
def overview(uid: str, authorization: str = Header(default=None)):
    with engine.connect() as conn:
        auth = authenticate(conn, authorization)
        if auth is None:
            return problem(401, "Unauthorized", "missing or invalid bearer token")
        user_id, is_admin = auth
        if not is_admin and user_id != uid:
            return problem(403, "Forbidden", "the token may not access this user")

        key = f"analytics:overview:{uid}"
        try:
            cached = cache.get(key)
        except redis.RedisError:
            cached = None
        if cached is not None:
            return Response(cached, media_type="application/json",
                            headers={"X-Cache": "hit"})

        if is_admin and conn.execute(
                select(users.c.id).where(users.c.id == uid)).first() is None:
            return problem(404, "Not Found", f"user {uid} does not exist")
        body = json.dumps(compute_overview(conn, uid), separators=(",", ":"))
    try:
        cache.set(key, body, ex=CACHE_TTL_S)
    except redis.RedisError:
        pass
    return Response(body, media_type="application/json", headers={"X-Cache": "miss"})
