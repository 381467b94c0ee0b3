"""A Redis cache that fails open: when Redis cannot be reached, a read misses, a write is
skipped, and a warning is logged; nothing a user does fails because the cache is down.

What lives in the cache may be lost without harm: API throttle counts (an outage lets
requests through unthrottled), the two-factor requirement of a token (read again from the
database), the password-reset e-mail interval. Production settings use it whenever
`CACHE_URL` names Redis.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 60  # one warning a minute per process, not one per request


class FailOpenRedisCache(RedisCache):
    _last_warning = 0.0

    def _fail_open(self, operation: str, error: Exception, default):
        now = time.monotonic()
        if now - FailOpenRedisCache._last_warning >= WARN_EVERY_SECONDS:
            FailOpenRedisCache._last_warning = now
            logger.warning("cache unreachable, %s skipped (failing open): %s", operation, error)
        return default

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNREACHABLE as error:
            return self._fail_open("get", error, default)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNREACHABLE as error:
            return self._fail_open("get_many", error, {})

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNREACHABLE as error:
            return self._fail_open("has_key", error, False)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Reported as added: callers use `add` as "first time in this interval".
        try:
            return super().add(key, value, timeout, version)
        except UNREACHABLE as error:
            return self._fail_open("add", error, True)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNREACHABLE as error:
            return self._fail_open("set", error, None)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNREACHABLE as error:
            return self._fail_open("set_many", error, list(data))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNREACHABLE as error:
            return self._fail_open("touch", error, False)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNREACHABLE as error:
            return self._fail_open("delete", error, False)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNREACHABLE as error:
            return self._fail_open("delete_many", error, None)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNREACHABLE as error:
            return self._fail_open("incr", error, delta)

    def clear(self):
        try:
            return super().clear()
        except UNREACHABLE as error:
            return self._fail_open("clear", error, False)
