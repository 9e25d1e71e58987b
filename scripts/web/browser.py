"""A headless Chromium for EDC's web pages (selenium 4, Debian's chromium and chromium-driver).

One `Browser` is one Chromium with a fresh profile: sign in through the form, open pages, read
what the page reported (content security policy violations, JavaScript errors, failed
resources), run axe-core on it, fetch its HTML as the server sent it, take full-page screenshots.

    with Browser("http://127.0.0.1:8080") as browser:
        browser.sign_in("alice@alpha-imagerie.demo.edc", "demo-edc-2026!")
        page = browser.open("/espace")
        print(page.problems, browser.axe())

Used by scripts/web/accessibility.py; usable from other scripts (`sys.path` the folder).
"""

import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import shutil
import struct
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import JavascriptException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHROMIUM = os.environ.get("EDC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("EDC_CHROMEDRIVER", "/usr/bin/chromedriver")
AXE_SCRIPT = os.path.join(ROOT, ".vendor", "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTH, HEIGHT = 1280, 900

# Installed before any script of every page (CDP), so it sees what happens during loading:
# violations of the content security policy, uncaught errors and rejected promises.
PAGE_WATCH = r"""
(() => {
  const seen = window.__edcProblems = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    seen.push({kind: 'csp', message: `CSP ${e.effectiveDirective || e.violatedDirective} refused ${e.blockedURI || '(inline)'}`
      + (e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}` : '') + (e.sample ? ` sample=${JSON.stringify(e.sample)}` : '')});
  });
  window.addEventListener('error', (e) => {
    if (e.target && e.target !== window && (e.target.src || e.target.href)) {
      seen.push({kind: 'resource', message: `failed to load ${e.target.tagName.toLowerCase()} ${e.target.src || e.target.href}`});
    } else {
      seen.push({kind: 'js', message: `${e.message} at ${e.filename}:${e.lineno}:${e.colno}`});
    }
  }, true);
  window.addEventListener('unhandledrejection', (e) => {
    seen.push({kind: 'js', message: `unhandled rejection: ${e.reason && (e.reason.stack || e.reason)}`});
  });
})();
"""

AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']})
  .then((r) => done({violations: r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 300), summary: n.failureSummary}))}))}))
  .catch((e) => done({error: String(e && (e.stack || e))}));
""" % json.dumps(AXE_TAGS)

PAGE_FACTS = """
return {
  url: location.href,
  title: document.title,
  lang: document.documentElement.getAttribute('lang'),
  h1: Array.from(document.querySelectorAll('h1')).map((h) => h.textContent.trim()),
  links: Array.from(document.querySelectorAll('a[href]')).filter((a) => !a.hasAttribute('download')).map((a) => a.href),
  dsfr: document.documentElement.getAttribute('data-fr-js'),
};
"""


class PageProblem(Exception):
    pass


class Page:
    """What a page showed: its final URL, facts read from the DOM and the problems it reported."""

    def __init__(self, facts, problems):
        self.url = facts["url"]
        self.title = facts["title"]
        self.lang = facts["lang"]
        self.h1 = facts["h1"]
        self.links = facts["links"]
        self.dsfr_ran = facts["dsfr"] == "true"
        self.problems = problems

    @property
    def path(self):
        parts = urllib.parse.urlsplit(self.url)
        return parts.path + ("?" + parts.query if parts.query else "")


def totp(secret_base32, at=None):
    """RFC 6238 code (SHA-1, 30 s, 6 digits): for accounts that must enrol a second factor."""
    key = base64.b32decode(secret_base32.replace(" ", "").upper() + "=" * (-len(secret_base32.replace(" ", "")) % 8))
    counter = int((at or time.time()) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


class Browser:
    def __init__(self, base_url, width=WIDTH, height=HEIGHT, page_timeout=30):
        self.base_url = base_url.rstrip("/")
        self.width, self.height = width, height
        self.profile = tempfile.mkdtemp(prefix="edc-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in ["--headless=new", f"--window-size={width},{height}", "--lang=fr-FR", f"--user-data-dir={self.profile}",
                         "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run",
                         "--no-default-browser-check", "--disable-background-networking", "--disable-sync",
                         "--disable-component-update", "--disable-features=Translate,OptimizationHints,MediaRouter",
                         "--password-store=basic", "--hide-scrollbars"]:
            options.add_argument(argument)
        if os.geteuid() == 0:
            options.add_argument("--no-sandbox")
        options.add_experimental_option("prefs", {"intl.accept_languages": "fr-FR,fr", "credentials_enable_service": False,
                                                   "profile.password_manager_enabled": False})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        except Exception:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        self.driver.set_page_load_timeout(page_timeout)
        self.driver.set_script_timeout(60)
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PAGE_WATCH})
        self._axe_source = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def url(self, path):
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    # Pages

    def open(self, path):
        """Opens a page, waits until it is loaded and the DSFR's script has run (bounded), and
        returns what it showed. Problems logged before are dropped."""
        self.console()
        self.driver.get(self.url(path))
        return self.settle()

    def settle(self, dsfr_wait=3.0):
        """After a navigation (a link, a submitted form): waits for the load and the DSFR."""
        deadline = time.monotonic() + 30
        while self.driver.execute_script("return document.readyState") != "complete":
            if time.monotonic() > deadline:
                raise PageProblem(f"{self.driver.current_url} did not finish loading in 30 s")
            time.sleep(0.02)
        deadline = time.monotonic() + dsfr_wait
        while self.driver.execute_script("return document.documentElement.getAttribute('data-fr-js')") != "true":
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return self.facts()

    def facts(self):
        return Page(self.driver.execute_script(PAGE_FACTS), self.problems())

    def problems(self):
        """Problems the current page reported since it loaded (listener) plus console errors
        since the last call: list of {kind: csp|js|resource|console, message}."""
        found = []
        try:
            found += self.driver.execute_script("return window.__edcProblems ? window.__edcProblems.splice(0) : []") or []
        except JavascriptException:
            pass
        listened = len(found)
        current = self.driver.current_url
        for entry in self.console():
            message = entry.get("message", "")
            if entry.get("level") != "SEVERE" and "Content Security Policy" not in message:
                continue
            if "Content Security Policy" in message:
                kind = "csp"
            elif entry.get("source") == "network":
                # The page itself answered an error status (an error page): not a resource problem.
                if message.startswith(current.split("#")[0] + " "):
                    continue
                kind = "resource"
            else:
                kind = "js" if entry.get("source") == "javascript" or "Uncaught" in message else "console"
            found.append({"kind": kind, "message": message})
        return self._unique(found, listened)

    @staticmethod
    def _unique(found, listened):
        """The listener and the console often report the same error: a console line repeating
        a listened error's text is dropped; identical lines are kept once."""
        unique, seen = [], set()
        listened_csp = any(p["kind"] == "csp" for p in found[:listened])
        for index, problem in enumerate(found):
            if index >= listened and problem["kind"] == "csp" and listened_csp:
                continue
            if index >= listened and problem["kind"] == "js" and any(
                    p["kind"] == "js" and p["message"].split(" at ")[0] in problem["message"] for p in found[:listened]):
                continue
            key = (problem["kind"], problem["message"][:200])
            if key not in seen:
                seen.add(key)
                unique.append(problem)
        return unique

    def console(self):
        try:
            return self.driver.get_log("browser")
        except WebDriverException:
            return []

    # Sign-in

    def sign_in(self, email, password):
        """Signs in through /connexion (enrolling or answering the second factor when the demo's
        account has a secret shown); returns the page reached."""
        self.open("/connexion")
        self.driver.find_element(By.NAME, "email").send_keys(email)
        self.driver.find_element(By.NAME, "password").send_keys(password)
        self.click_button("Se connecter")
        page = self.settle()
        if urllib.parse.urlsplit(page.url).path == "/connexion/verification":
            secrets = self.driver.find_elements(By.CSS_SELECTOR, ".fr-callout .edc-mono")
            if not secrets:
                raise PageProblem(f"{email}: the account asks for a second-factor code and no secret is shown")
            self.driver.find_element(By.NAME, "code").send_keys(totp(secrets[0].text))
            self.click_button("Activer et continuer")
            page = self.settle()
        if urllib.parse.urlsplit(page.url).path.startswith("/connexion"):
            raise PageProblem(f"sign-in as {email} failed: still on {page.url} ({page.title})")
        return page

    def click_button(self, label):
        button = self.driver.find_element(By.XPATH, f"//button[normalize-space()={json.dumps(label, ensure_ascii=False)}]")
        button.click()

    # Checks

    def axe(self):
        """axe-core's WCAG 2.1 A/AA violations on the current page: [{id, impact, help, nodes}]."""
        if self._axe_source is None:
            with open(AXE_SCRIPT, encoding="utf-8") as f:
                self._axe_source = f.read()
        if not self.driver.execute_script("return typeof window.axe !== 'undefined'"):
            self.driver.execute_script(self._axe_source)
        result = self.driver.execute_async_script(AXE_RUN)
        if "error" in result:
            raise PageProblem(f"axe failed on {self.driver.current_url}: {result['error']}")
        return result["violations"]

    def screenshot(self, path, full_page=True):
        """PNG of the page; with full_page, the window is made as tall as the document first."""
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        if full_page:
            height, chrome = self.driver.execute_script(
                "return [Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0),"
                " Math.max(0, window.outerHeight - window.innerHeight)]")
            self.driver.set_window_size(self.width, max(self.height, min(int(height) + int(chrome), 16000)))
        try:
            self.driver.save_screenshot(path)
        finally:
            if full_page:
                self.driver.set_window_size(self.width, self.height)

    def mobile_menu_works(self, screenshot=None):
        """On a narrow window, the header's "Menu" button opens the menu (DSFR modal: the
        navigation, and the header's links the DSFR copies into it) and "Fermer" closes it.
        Returns None when it works, else what went wrong; `screenshot`: a PNG of the open menu."""
        self.driver.set_window_size(375, 812)
        try:
            deadline = time.monotonic() + 3
            buttons = self.driver.find_elements(By.CSS_SELECTOR, "button.fr-btn--menu")
            if not buttons:
                return "no menu button (button.fr-btn--menu)"
            menu = buttons[0]
            while not menu.is_displayed():
                if time.monotonic() > deadline:
                    return "the menu button is not shown on a 375 px wide window"
                time.sleep(0.05)
            target = self.driver.find_element(By.ID, menu.get_attribute("aria-controls"))
            links = target.find_elements(By.CSS_SELECTOR, "a.fr-nav__link, .fr-header__menu-links a, .fr-header__menu-links button")
            if not links:
                return "the menu has no link (navigation, or the header's links copied by the DSFR)"
            if links[0].is_displayed():
                return "the navigation is shown before the menu is opened"
            menu.click()
            deadline = time.monotonic() + 3
            while not links[0].is_displayed():
                if time.monotonic() > deadline:
                    return "the navigation did not appear after a click on Menu (is the DSFR script running?)"
                time.sleep(0.05)
            if menu.get_attribute("data-fr-opened") != "true" and "fr-modal--opened" not in (target.get_attribute("class") or ""):
                return "the menu opened but is not marked opened (data-fr-opened / fr-modal--opened)"
            if screenshot:
                self.screenshot(screenshot, full_page=False)
            close = target.find_element(By.CSS_SELECTOR, "button.fr-btn--close")
            close.click()
            deadline = time.monotonic() + 3
            while links[0].is_displayed():
                if time.monotonic() > deadline:
                    return "the menu did not close after a click on Fermer"
                time.sleep(0.05)
            return None
        finally:
            self.driver.set_window_size(self.width, self.height)

    # The HTML as sent

    def cookie_header(self):
        return "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())

    def fetch(self, path, data=None):
        """GETs (or POSTs form `data` to) a URL with the browser's cookies, outside the browser:
        (status, headers (case-insensitive `get`), body text) exactly as the server sent them."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.url(path), data=body, headers={
            "Accept": "text/html,application/xhtml+xml", "Accept-Language": "fr-FR,fr", "Cookie": self.cookie_header(),
            "User-Agent": self.driver.execute_script("return navigator.userAgent")})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
