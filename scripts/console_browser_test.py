"""The console's browser test (run by scripts/console-browser-test.sh).

Starts the emulator with the reference scenario's world, a SecureString under the
scenario's key and the scenario's function (prebuilt handler), then drives headless
Chromium through the console: the key administrator's "Show" is refused with the key
policy as the reason, the function's role sees the value, decisions update live, a page
of another local origin cannot make the console act. Screenshots are saved on the way.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

SECRET = '{"dbPassword": "console-browser-secret"}'
SECRET_NAME = "/dev/parameterStoreBlog/dbSecret"
FUNCTION = "ParameterStoreBlogFunctionDev"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixtures(directory):
    """The scenario's world plus a SecureString and the function with a prebuilt handler."""
    extra = os.path.join(directory, "console-test.yaml")
    with open(extra, "w") as f:
        f.write(
            "account: \"123456789012\"\n"
            "parameters:\n"
            f"  - name: {SECRET_NAME}\n"
            "    type: SecureString\n"
            "    key_id: alias/ParameterStoreBlogKeyDev\n"
            "    description: The database password the function reads\n"
            f"    value: '{SECRET}'\n"
            "functions:\n"
            f"  - name: {FUNCTION}\n"
            "    role: ParameterStoreBlogFunctionRoleDev\n"
            "    runtime: provided.al2023\n"
            "    handler: bootstrap\n"
            "    timeout: 5\n"
            "    environment: { ENV: dev, APP_CONFIG_PATH: parameterStoreBlog }\n"
            f"    code: {{ path: {os.path.abspath(os.environ['HANDLER_BIN'])} }}\n"
        )
    world = os.path.join(ROOT, "fixtures/parameter-store-blog/world.yaml")
    return f"{world},{extra}"


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_healthy(base, process):
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"the emulator exited with {process.returncode}")
        try:
            status, _ = http("GET", f"{base}/_emulator/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("the emulator did not answer its health check within 60 s")


def invoke(base):
    """Invokes the function (unsigned: the account root in open mode)."""
    status, body = http("POST", f"{base}/2015-03-31/functions/{FUNCTION}/invocations", b"{}")
    if status != 200:
        sys.exit(f"Invoke answered {status}: {body}")
    return body


def wait_active(base):
    deadline = time.time() + 120
    while time.time() < deadline:
        status, body = http("GET", f"{base}/2015-03-31/functions/{FUNCTION}")
        if status == 200 and json.loads(body)["Configuration"].get("State") == "Active":
            return
        time.sleep(0.5)
    sys.exit("the function did not become Active within 120 s")


class Attack(BaseHTTPRequestHandler):
    """A page of another local origin that posts the console's form on load."""

    target = ""

    def do_GET(self):
        page = (
            "<!doctype html><title>attack</title><body>"
            f"<form id=f method=post action=\"{self.target}/_emulator/console/parameters/show\">"
            "<input name=token value=guessed><input name=region value=us-east-1>"
            f"<input name=name value=\"{SECRET_NAME}\">"
            "<input name=principal value=\"role/ParameterStoreBlogFunctionRoleDev\"></form>"
            "<script>document.getElementById('f').submit()</script>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args):
        pass


def main():
    shots = os.path.abspath(os.environ["CONSOLE_SCREENSHOTS"])
    os.makedirs(shots, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="console-browser-")
    log = open(os.path.join(shots, "emulator.log"), "w")
    emulator = subprocess.Popen(
        [os.environ["EMULATOR_BIN"], "--listen", f"127.0.0.1:{port}", "--fixtures", fixtures(work)],
        stdout=log,
        stderr=log,
    )
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1200,820", "--hide-scrollbars"):
        options.add_argument(argument)
    options.binary_location = "/usr/bin/chromium"
    browser = None
    attack_server = None
    try:
        wait_healthy(base, emulator)
        wait_active(base)
        invoke(base)  # cold
        invoke(base)  # warm
        browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        wait = WebDriverWait(browser, 15)

        def shot(name):
            path = os.path.join(shots, f"{name}.png")
            browser.save_screenshot(path)
            print(f"screenshot {path}")

        # 1. The parameter tree, SecureString value hidden.
        browser.get(f"{base}/_emulator/console/")
        assert "dbSecret" in browser.page_source
        assert "console-browser-secret" not in browser.page_source
        shot("parameters")

        # 2. The key administrator's Show: refused, the key policy the reason.
        browser.find_element(By.LINK_TEXT, "dbSecret").click()
        Select(browser.find_element(By.ID, "principal")).select_by_value("user/keyadmin")
        browser.find_element(By.ID, "show").click()
        refusal = wait.until(lambda b: b.find_element(By.ID, "refusal"))
        why = browser.find_element(By.ID, "why").text
        assert "AccessDeniedException" in refusal.text, refusal.text
        assert "kms:Decrypt" in why and "key policy" in why, why
        assert "console-browser-secret" not in browser.page_source
        shot("show-refused-keyadmin")

        # 3. The function's role: the value.
        Select(browser.find_element(By.ID, "principal")).select_by_value(
            "role/ParameterStoreBlogFunctionRoleDev")
        browser.find_element(By.ID, "show").click()
        value = wait.until(lambda b: b.find_element(By.ID, "value"))
        assert value.text == SECRET, value.text
        shot("show-allowed-role")

        # 4. Decisions, at the other loopback name, updating without reload.
        browser.get(f"http://localhost:{port}/_emulator/console/decisions?outcome=Deny")
        rows = browser.find_element(By.ID, "decision-rows")
        assert "kms:Decrypt" in rows.text, rows.text
        before = rows.text.count("kms:Decrypt")
        # Another refused decryption, made outside the browser (the key administrator's
        # key would need a signature; the account root is what an unsigned call is).
        http("POST", f"{base}/", json.dumps({"Name": SECRET_NAME, "WithDecryption": True}).encode(),
             {"X-Amz-Target": "AmazonSSM.GetParameter",
              "Content-Type": "application/x-amz-json-1.1"})
        wait.until(lambda b: b.find_element(By.ID, "decision-rows").text.count("kms:Decrypt") > before)
        shot("decisions-live")
        # The key administrator's refusal, opened to its story: the identity policy that
        # allowed GetParameter quoted, and the key policy that does not allow Decrypt.
        browser.find_element(By.XPATH, "//tbody[@id='decision-rows']/tr[contains(., 'user/keyadmin')"
                             " and contains(., 'kms:Decrypt')]//a").click()
        wait.until(lambda b: "The key policy consulted" in b.page_source)
        assert "no resource-based policy allows kms:Decrypt" in browser.page_source
        shot("decision-story")

        # 5. The key, and a decision for a principal and action.
        browser.get(f"{base}/_emulator/console/keys")
        browser.find_element(By.PARTIAL_LINK_TEXT, "5e0b9b5c").click()
        Select(browser.find_element(By.NAME, "principal")).select_by_value("user/keyadmin")
        Select(browser.find_element(By.NAME, "action")).select_by_visible_text("kms:Decrypt")
        browser.find_element(By.ID, "decide").click()
        decided = wait.until(lambda b: b.find_element(By.ID, "decided"))
        assert "refused" in decided.text, decided.text
        shot("key-decide")

        # 6. Principals; Lambda with the invocations (cold, then warm) and their calls.
        browser.get(f"{base}/_emulator/console/principals")
        assert "lambda.amazonaws.com" in browser.page_source
        shot("principals")
        browser.get(f"{base}/_emulator/console/lambda")
        text = browser.find_element(By.ID, "lambda-live").text
        assert "cold" in text and "GetParameter" in text, text
        # The newest invocation's log, opened: it stays open across the live refresh.
        details = browser.find_element(By.CSS_SELECTOR, "#lambda-live tr.log details")
        details.find_element(By.TAG_NAME, "summary").click()
        time.sleep(2.5)
        details = browser.find_element(By.CSS_SELECTOR, "#lambda-live tr.log details")
        assert details.get_attribute("open") is not None, "the log closed on refresh"
        assert "REPORT RequestId" in details.text, details.text
        shot("lambda")

        # 7. Pages of other origins posting the console's form on load. From
        # http://localhost:OTHER the browser calls it cross-site (another host): the guard
        # refuses. From http://127.0.0.1:OTHER it is same-site, passes the guard (this
        # machine), and the console refuses it (its Origin is not the console's).
        attack_port = free_port()
        Attack.target = base
        attack_server = HTTPServer(("127.0.0.1", attack_port), Attack)
        threading.Thread(target=attack_server.serve_forever, daemon=True).start()
        browser.get(f"http://localhost:{attack_port}/")
        wait.until(lambda b: "/_emulator/console/parameters/show" in b.current_url)
        assert "console-browser-secret" not in browser.page_source
        browser.get(f"http://127.0.0.1:{attack_port}/")
        wait.until(lambda b: "accepts forms only from its own pages" in b.page_source)
        assert "console-browser-secret" not in browser.page_source
        shot("cross-origin-refused")
    except BaseException:
        if browser is not None:
            shot("failure")
            with open(os.path.join(shots, "failure.html"), "w") as f:
                f.write(browser.page_source)
            print(f"failed at {browser.current_url}; page in {shots}/failure.html")
        raise
    finally:
        if browser is not None:
            browser.quit()
        if attack_server is not None:
            attack_server.shutdown()
        emulator.terminate()
        emulator.wait(timeout=30)
        log.close()
    with open(os.path.join(shots, "emulator.log")) as f:
        logged = f.read()
    assert "console-browser-secret" not in logged, "the plaintext reached the log"
    assert "refuses browser requests from other sites (Sec-Fetch-Site: cross-site)" in logged
    assert "console form refused" in logged
    print(f"console browser test passed; screenshots in {shots}")


if __name__ == "__main__":
    main()
