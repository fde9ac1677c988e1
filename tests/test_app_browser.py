"""End to end: `solara run app.py` driven by headless Chromium (Debian's chromium and
chromium-driver, via Selenium; nothing is downloaded).

Rule: in a real browser, moving the CHN us_ties slider to 0 and pressing Reset rebuilds the
model with it (the page says so), seven presses of Step show month 2024-07 and a changed
pact state (seed 3: RUS-PRK signs its treaty in 2024-07 and, with China's us_ties at 0,
China opens trilateral talks),
and the results page opens a results directory and draws its plots. Screenshots go to
the test's temp dir (and to $APP_SCREENSHOT_DIR when set, for the README).

Skips only outside CI (env CI unset) when chromium or chromedriver is missing; .ci/run
installs both.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1440,1250",
]

if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()) and not os.environ.get("CI"):
    pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)  # fmt: skip
if not os.environ.get("CI"):
    pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"solara exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@pytest.fixture(autouse=True)
def deadline():
    """Fail (not hang) if the browser or the server stops answering: 180 s per test."""

    def expire(signum, frame):
        raise TimeoutError("browser test exceeded 180 s (server or chromium not answering)")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(180)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = (tmp_path_factory.mktemp("solara") / "server.log").open("w")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", "app.py", "--host", "127.0.0.1",
         "--port", str(port), "--production", "--no-open"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_http(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture()
def browser(tmp_path):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def page_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def wait_text(driver, text: str, timeout: float = 20) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in page_text(driver):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not on the page; it shows:\n{page_text(driver)[:3000]}")


def wait_clickable(driver, xpath: str, timeout: float = 20):
    """The element once shown and enabled (tabs slide in; the page re-renders)."""
    return WebDriverWait(driver, timeout).until(
        expected_conditions.element_to_be_clickable((By.XPATH, xpath))
    )


def button(driver, label: str):
    return driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']")


def save(driver, path: Path) -> None:
    driver.save_screenshot(str(path))
    if os.environ.get("APP_SCREENSHOT_DIR"):
        shutil.copy(path, Path(os.environ["APP_SCREENSHOT_DIR"]) / path.name)


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    from sim import api

    out = tmp_path_factory.mktemp("results")
    exp = api.write_experiment(
        out / "exp.toml", {"states.CHN.weights.us_ties": [0.0, 0.2, 0.45]}, replicates=40,
        root_seed=1,
    )  # fmt: skip
    api.run_batch(exp, out / "batch", series=True)
    return out / "batch"


def test_slider_reset_and_steps_in_a_real_browser(server, browser, tmp_path):
    browser.get(server)
    wait_text(browser, "Month: not started (first month 2024-01)", timeout=40)
    assert "CHN us_ties 0.45" in page_text(browser)
    before = browser.find_element(By.XPATH, "//*[starts-with(normalize-space(), 'Pacts:')]").text

    box = browser.find_element(
        By.XPATH, "//label[normalize-space()='CHN weight: us_ties']"
        "/ancestor::div[contains(@class, 'v-input')][1]",
    )  # fmt: skip
    track = box.find_element(By.CSS_SELECTOR, ".v-slider")
    left_edge = -track.size["width"] // 2 + 1  # offsets count from the element's centre
    ActionChains(browser).move_to_element_with_offset(track, left_edge, 0).click().perform()
    thumb = box.find_element(By.XPATH, ".//*[@role='slider']")
    assert float(thumb.get_attribute("aria-valuenow")) == 0.0
    button(browser, "Reset").click()
    wait_text(browser, "CHN us_ties 0.00")

    for month in range(1, 8):
        button(browser, "Step").click()
        wait_text(browser, f"Month: 2024-{month:02d}")
    text = page_text(browser)
    after = browser.find_element(By.XPATH, "//*[starts-with(normalize-space(), 'Pacts:')]").text
    assert after != before and "RUS-PRK treaty" in after
    assert "Talks under way: CHN-RUS-PRK partnership (due 2024-10)" in text  # us_ties 0
    assert "CHN proposes to form CHN-RUS-PRK partnership: talks open" in text  # event log
    save(browser, tmp_path / "app_run.png")
    assert (tmp_path / "app_run.png").stat().st_size > 20_000


def test_results_page_in_a_real_browser(server, browser, results_dir, tmp_path):
    browser.get(server)
    wait_text(browser, "Month: not started", timeout=40)
    browser.find_element(By.XPATH, "//div[@role='tab'][normalize-space()='Page 1']").click()
    field = wait_clickable(
        browser, "//label[normalize-space()='Results directory']/following-sibling::input"
    )
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    field.send_keys(str(results_dir))
    field.send_keys(Keys.ENTER)
    wait_text(browser, "120 runs · 3 design points", timeout=30)
    end = time.monotonic() + 20
    while len(browser.find_elements(By.TAG_NAME, "img")) < 3 and time.monotonic() < end:
        time.sleep(0.3)
    assert len(browser.find_elements(By.TAG_NAME, "img")) == 3  # probability, timing, configs
    save(browser, tmp_path / "app_results.png")
