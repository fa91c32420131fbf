"""Probe a service URL for scripts/ensure-services.sh.

probe.py postgres URL   exit 0 reachable, 1 nothing answers, 2 login refused
probe.py redis URL      exit 0 when PING answers
probe.py is-local URL   exit 0 when the host is this machine
probe.py user|password|port URL   print that part of the URL
"""

import sys
from urllib.parse import urlsplit


def postgres(url: str) -> int:
    import psycopg

    parts = urlsplit(url)
    try:
        # The maintenance database: the test database may not exist yet.
        psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or "",
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        text = str(exc)
        print(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: {text.strip()}")
        refused = "authentication failed" in text or "password" in text or "role" in text
        return 2 if refused else 1
    print(f"PostgreSQL at {parts.hostname}:{parts.port or 5432}: ok")
    return 0


def redis(url: str) -> int:
    import redis as redis_lib

    parts = urlsplit(url)
    try:
        redis_lib.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis_lib.RedisError as exc:
        print(f"Redis at {parts.hostname}:{parts.port or 6379}: {exc}")
        return 1
    print(f"Redis at {parts.hostname}:{parts.port or 6379}: ok")
    return 0


def main(command: str, url: str) -> int:
    parts = urlsplit(url)
    if command == "postgres":
        return postgres(url)
    if command == "redis":
        return redis(url)
    if command == "is-local":
        return 0 if (parts.hostname or "localhost") in {"127.0.0.1", "localhost", "::1"} else 1
    if command == "user":
        print(parts.username or "postgres")
    elif command == "password":
        print(parts.password or "")
    elif command == "port":
        print(parts.port or (6379 if parts.scheme.startswith("redis") else 5432))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
