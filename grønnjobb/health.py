"""/helse/: the process answers. For a load balancer's probe and as the load test's baseline.

It touches neither the database nor the cache, so it measures the web server and the middleware
alone: the load test reads every page's time as a multiple of this one (benchmarks/bench_load.py).
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
