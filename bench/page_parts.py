"""Where the GP patient page's time goes, timed directly (not under cProfile, whose overhead
overstates the template language's many small calls). Not a test, not the benchmark.

    .venv/bin/python bench/page_parts.py --size N

Wraps the view's two calls (`registry_patient_page_open`, the service; `render`, the
template) with timers and sends the page and hello alternately through Django's test client,
on bench/profile_pages.py's database for --size N (the patient of 8 registrations and 50
consultations, made once). Prints the medians: the page, its service, its render, and the
rest — middleware, the session, the user and membership loads, the role check.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=0, help="names the database, as profile_pages")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    from bench import profile_pages

    profile_pages.django_in_process(args.size)
    from django.test import Client

    from registry import views

    spent: dict[str, list[float]] = {"service": [], "render": []}

    def timed(name, function):
        def inner(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name].append(time.perf_counter() - start)

        return inner

    views.registry_patient_page_open = timed("service", views.registry_patient_page_open)
    views.render = timed("render", views.render)
    gp, hello = Client(), Client()
    gp.cookies["sessionid"] = profile_pages.gp_page_prepare()
    for _ in range(20):  # warm: imports, connections, template caches
        gp.get("/registratie/patient/")
        hello.get("/bench/hello/")
    for times in spent.values():
        times.clear()
    page, plain = [], []
    for _ in range(args.requests):
        start = time.perf_counter()
        if gp.get("/registratie/patient/").status_code != 200:
            sys.exit("the GP page did not answer 200")
        page.append(time.perf_counter() - start)
        start = time.perf_counter()
        hello.get("/bench/hello/")
        plain.append(time.perf_counter() - start)

    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    rest = ms(page) - ms(spent["service"]) - ms(spent["render"])
    print(
        f"hello {ms(plain):.2f} ms; GP page {ms(page):.2f} ms: service "
        f"{ms(spent['service']):.2f} ms, render {ms(spent['render']):.2f} ms, the rest "
        f"(middleware, session, user and membership, role check) {rest:.2f} ms"
    )


if __name__ == "__main__":
    main()
