"""The cache: Django's Redis cache with one client per pool (portal/cache.py)."""

from django.core.cache import cache


def test_the_cache_reuses_its_redis_client_and_still_stores():
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is client  # one server: reads use the same pool
    cache.set("test-shared-client", {"a": 1}, 30)
    assert cache.get("test-shared-client") == {"a": 1}
    cache.delete("test-shared-client")
