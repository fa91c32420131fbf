"""Deny by default: every endpoint of ours declares who may use it (portal.access).

Walks the whole URL map. A new view without `@public`, `@authenticated` or
`@requires(...)` makes this test fail, naming the view and its URL.
"""

from django.urls import URLPattern, URLResolver, get_resolver

# allauth's login, logout and second-factor flows protect themselves.
FRAMEWORK_MODULES = ("allauth.",)


def walk(patterns, prefix="", in_admin=False):
    """(route, view) for every endpoint; the admin site's own views are left out:
    `admin.site` lets only active staff in (behind our login and second factor)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            admin = in_admin or pattern.app_name == "admin"
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), admin)
        elif isinstance(pattern, URLPattern) and not in_admin:
            yield prefix + str(pattern.pattern), pattern.callback


def policy_of(callback) -> str | None:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return getattr(callback, "access_policy", None) or getattr(view_class, "access_policy", None)


def is_framework(callback) -> bool:
    module = getattr(callback, "__module__", "") or ""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        module = view_class.__module__
    return module.startswith(FRAMEWORK_MODULES)


def test_every_endpoint_declares_its_access_policy():
    unprotected = [
        f"/{route}  ->  {callback.__module__}.{getattr(callback, '__name__', callback)}"
        for route, callback in walk(get_resolver().url_patterns)
        if not is_framework(callback) and policy_of(callback) is None
    ]
    assert unprotected == [], "endpoints without an access policy:\n" + "\n".join(unprotected)


def test_only_the_health_check_the_language_switch_the_logins_and_404s_are_public():
    public = sorted(
        route
        for route, callback in walk(get_resolver().url_patterns)
        if policy_of(callback) == "public"
    )
    assert public == [
        "^accounts/password/reset/key/",
        "accounts/email/",
        "accounts/login/code/confirm/",
        "accounts/password/reset/",
        "accounts/password/set/",
        "accounts/reauthenticate/code/",
        "accounts/signup/",
        "accounts/uzi/",
        "healthz",
        "i18n/setlang/",
        "mijn/activeren/",  # a patient opens their account with the GP practice's code
    ]
    # The switched-off allauth flows are public only to say 404 to everyone.
    for route, callback in walk(get_resolver().url_patterns):
        if route.startswith(("accounts/", "^accounts/")) and route != "accounts/uzi/":
            if policy_of(callback) == "public":
                assert callback.__name__ == "not_offered", route
