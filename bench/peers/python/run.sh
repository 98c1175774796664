#!/bin/sh
# Usage: run.sh PORT   (env DATABASE_URL, REDIS_URL, ANALYTICS_ADMIN_TOKEN)
# Runs in the foreground; the caller backgrounds and kills it.
set -e
cd "$(dirname "$0")"
exec /usr/bin/python3 -m uvicorn app:app --workers 2 --host 127.0.0.1 --port "${1:?usage: run.sh PORT}" --no-access-log
