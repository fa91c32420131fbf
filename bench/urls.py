from django.http import HttpResponse
from django.urls import include, path

from portal.access import authenticated


@authenticated
def hello(request):
    """The baseline: the same middleware stack (session, login, second factor, locale,
    request log), no work of its own."""
    return HttpResponse("hello")


urlpatterns = [path("bench/hello/", hello), path("", include("portal.urls"))]
