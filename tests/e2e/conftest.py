"""End-to-end tests of the consoles: Debian's Chromium driven by Playwright against the
real server (gunicorn + an RQ worker) with the demo data, offline.

- `demo_site` loads the demo into the test database with `flask demo load` (committed
  for real), starts the server and a worker on the test Redis, and empties every
  table when the e2e tests are done. All e2e tests share it: each works on its own
  orders or checks what it changed, never on the order tests run in.
- Every request a page makes that would leave 127.0.0.1 (map tiles, fonts, CDNs) is
  aborted and remembered in `blocked_requests`, so the tests run without a network
  and show what a page would have fetched.
- `screenshot(page, name)` saves var/screenshots/<name>.png (git-ignored) for a person
  to look at.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Route

from app.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from app.queue import get_queue
from tests.live import ROOT, _free_port, empty_all_tables

CHROMIUM = os.environ.get("CHROMIUM", "/usr/lib/chromium/chromium")
SCREENSHOTS = ROOT / "var" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class DemoSite:
    url: str
    accounts: dict[str, str]          # role → e-mail
    password: str = DEMO_PASSWORD
    logs: dict[str, Path] = field(default_factory=dict)

    def email(self, role: str) -> str:
        return self.accounts[role]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server exited:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail("the server did not answer /api/health within 60 s")
        time.sleep(0.25)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="package")
def demo_site(engine, database_url, tmp_path_factory) -> Iterator[DemoSite]:
    """gunicorn and an RQ worker serving the demo data from the test database."""
    bin_dir = Path(sys.executable).parent
    logs = tmp_path_factory.mktemp("demo-site")
    env = {**os.environ, "DATABASE_URL": database_url, "GONGDAN_CONFIG": "testing",
           "FLASK_APP": "wsgi:app", "UPLOAD_DIR": str(logs / "uploads")}
    empty_all_tables(engine)
    # Jobs an earlier, interrupted session left in the test Redis would run against this data.
    get_queue(env["REDIS_URL"]).empty()
    loaded = subprocess.run([str(bin_dir / "flask"), "demo", "load"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    port = _free_port()
    server_log, worker_log = logs / "server.log", logs / "worker.log"
    server = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, stdout=server_log.open("w"), stderr=subprocess.STDOUT)
    worker = subprocess.Popen(
        [str(bin_dir / "rq"), "worker", "--with-scheduler", "--worker-class", "app.background.AppWorker",
         "--url", env["REDIS_URL"], "--path", ".",
         env.get("RQ_QUEUE", "gongdan")],
        cwd=ROOT, env=env, stdout=worker_log.open("w"), stderr=subprocess.STDOUT)
    site = DemoSite(url=f"http://127.0.0.1:{port}", accounts=dict(DEMO_ACCOUNTS),
                    logs={"server": server_log, "worker": worker_log})
    try:
        _wait_until_up(site.url, server, server_log)
        yield site
    finally:
        _stop(worker)
        _stop(server)
        empty_all_tables(engine)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (never `playwright install`), as root, with no background traffic."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: `make test` installs it (scripts/services.sh browser)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--no-first-run", "--disable-default-apps"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A desktop browser in Shanghai speaking Chinese, like most of the product's users."""
    return {**browser_context_args, "viewport": DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def blocked_requests() -> list[str]:
    return []


def _keep_local(blocked: list[str]):
    def handle(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()
    return handle


@pytest.fixture
def context(context: BrowserContext, blocked_requests) -> BrowserContext:
    """pytest-playwright's context, with every request leaving 127.0.0.1 aborted."""
    context.route("**/*", _keep_local(blocked_requests))
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser, browser_context_args, blocked_requests) -> Iterator[Page]:
    """A phone-sized page (touch, mobile user agent), offline like the desktop one."""
    context = browser.new_context(**{**browser_context_args, "viewport": PHONE, "is_mobile": True,
                                     "has_touch": True, "device_scale_factor": 2})
    context.route("**/*", _keep_local(blocked_requests))
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """JS errors and console errors of `page`, for tests to assert there are none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on("console", lambda message: errors.append(f"console.{message.type}: {message.text}")
            if message.type == "error" and "ERR_FAILED" not in message.text else None)
    return errors


def sign_in(page: Page, site: DemoSite, role: str, next_page: str = "/console/") -> None:
    """Sign in through the sign-in page as the demo account of `role`."""
    page.goto(f"{site.url}/console/sign-in?next={next_page}")
    page.fill("input[name=email]", site.email(role))
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/console/sign-in" not in url)


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
