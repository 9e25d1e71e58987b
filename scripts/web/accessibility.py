#!/usr/bin/env python3
"""Accessibility and validity of EDC's web pages, in a real browser.

Usage: scripts/web/accessibility.py BASE_URL OUTDIR [--per-shape N] [--max-pages N] [--users LIST] [--pending PATHS]

Against a running `edc serve --demo`, for the anonymous visitor and each demo account (one headless
Chromium each, reused across its pages): crawls every same-origin page reachable by GET links from
the start pages (/, /connexion, /espace or /ans, /compte, …), at most --per-shape pages per route
shape (numbers, UUIDs and codes replaced), plus a few error pages and refused forms (which change
nothing). On every page: axe-core's WCAG 2.1 A/AA rules (any violation fails), content security
policy violations, JavaScript errors and failed resources (fail), `<html lang="fr">`, a title of
its own and exactly one `<h1>`; the HTML as the server sent it goes to OUTDIR/html/ and the Nu
HTML checker judges all of it at the end (any error fails). On a narrow window, the header's menu
button must open and close the navigation. Screenshots (one per route shape, full page) go to
OUTDIR/screenshots/, the findings to OUTDIR/report.json and OUTDIR/report.txt.

Prints "accessibility: N pages, M violations" last; exits 1 on any failure, 2 on a set-up problem.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import ROOT, Browser, PageProblem  # noqa: E402

PASSWORD = "demo-edc-2026!"
USERS = ["admin@ans.demo.edc", "instructeur@ans.demo.edc", "alice@alpha-imagerie.demo.edc", "bruno@beta-radiologie.demo.edc"]
VNU = os.path.join(ROOT, ".vendor", "vnu.jar")
SERVICE = "Espace de Confiance DRIM-M"

SKIPPED_PREFIXES = ("/api/", "/dsfr/", "/static/", "/q/", "/metrics", "/deconnexion", "/liste-blanche.xml", "/liste-blanche/signataire")
SKIPPED_SUFFIXES = (".pdf", ".xml", ".pem", ".zip", ".json", ".csv", ".txt", ".eml", ".crt", ".der", ".png", ".jpg", ".svg", ".ico")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def shape(url):
    """The route shape of a URL: identifiers replaced, query keys only. `/ans/demandes/42?page=2`
    → `/ans/demandes/{id}?page`."""
    parts = urllib.parse.urlsplit(url)
    segments = []
    for segment in parts.path.split("/"):
        if segment.isdigit() or UUID.match(segment) or re.fullmatch(r"[0-9a-fA-F]{12,}", segment) \
                or (len(segment) >= 6 and re.search(r"\d", segment)):
            segments.append("{id}")
        else:
            segments.append(segment)
    keys = sorted({key for key, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(segments) + ("?" + "&".join(keys) if keys else "")


def crawlable(url, origin):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    path = parts.path.lower()
    return not path.startswith(SKIPPED_PREFIXES) and not path.endswith(SKIPPED_SUFFIXES)


def csp_sources(policy, directive):
    """The sources a policy allows for `directive` (falling back on default-src); None if neither is set."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives.setdefault(words[0].lower(), words[1:])
    return directives.get(directive, directives.get("default-src"))


def normalise(url):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def slug(text):
    return re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-")[:90] or "accueil"


class Run:
    def __init__(self, base_url, outdir, per_shape, max_pages, screenshots, pending=()):
        self.base_url = base_url.rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.outdir = outdir
        self.per_shape = per_shape
        self.max_pages = max_pages
        self.take_screenshots = screenshots
        self.pages = []          # one record per page checked
        self.failures = []       # (who, where, what) lines
        self.html_files = {}     # html file → page record
        self.violations = 0
        self.lock = threading.Lock()     # accounts run in parallel (--jobs)
        self.counter = 0
        self.pending = set(pending)      # paths linked to but not written yet: a 404 there is reported, not failed
        self.pending_seen = set()
        for sub in ("html", "screenshots"):
            shutil.rmtree(os.path.join(outdir, sub), ignore_errors=True)
            os.makedirs(os.path.join(outdir, sub))

    def fail(self, who, where, what):
        self.failures.append(f"[{who}] {where}: {what}")

    # One account

    def account(self, email):
        who = email or "anonyme"
        started = time.monotonic()
        try:
            self.visit(email, who)
        except Exception as error:  # a page that hangs, a browser that dies: this account's run stops, the others go on
            traceback.print_exc()
            self.fail(who, "-", f"le parcours s’est arrêté : {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        print(f"{who}: {sum(1 for r in list(self.pages) if r['who'] == who)} pages in {time.monotonic() - started:.1f} s", flush=True)

    def visit(self, email, who):
        with Browser(self.base_url) as browser:
            if email:
                try:
                    home = urllib.parse.urlsplit(browser.sign_in(email, PASSWORD).url).path
                except PageProblem as problem:
                    self.fail(who, "/connexion", str(problem))
                    return
                start = [home, "/compte", "/"]
                other = "/espace" if home.startswith("/ans") else "/ans"
                probes = [(f"{home}/page-inexistante", "404"), (other, "espace d’un autre rôle")]
            else:
                start = ["/", "/connexion", "/mot-de-passe-oublie"]
                probes = [("/page-inexistante", "404"), ("/espace", "redirection vers la connexion"),
                          ("/nouveau-mot-de-passe?jeton=lien-perime", "lien périmé"),
                          ("/attestations/AAAA-BBBB-CCCC-DDDD-EEEE", "attestation inconnue")]
            self.crawl(browser, who, start)
            for path, label in probes:
                self.check(browser, who, path, expect_error=True, label=label)
            self.mobile_menu(browser, who, start[0])
            if email:
                self.refused_form(browser, who, "/compte", "changer-mot-de-passe", {"password": "nouveau-1", "confirmation": "nouveau-2"},
                                  "Changer le mot de passe")
                if email == USERS[-1]:
                    self.second_factor_pages(browser, who)
            else:
                self.refused_form(browser, who, "/connexion", "connexion", {}, "Se connecter")
                self.refused_form(browser, who, "/mot-de-passe-oublie", "oubli", {}, "Recevoir un lien")

    def crawl(self, browser, who, start):
        queue = [normalise(browser.url(path)) for path in start]
        seen_urls, per_shape = set(), {}
        while queue and sum(per_shape.values()) < self.max_pages:
            url = queue.pop(0)
            if url in seen_urls or not crawlable(url, self.origin):
                continue
            seen_urls.add(url)
            key = shape(url)
            if per_shape.get(key, 0) >= self.per_shape:
                continue
            record = self.check(browser, who, url, seen_urls=seen_urls)
            if record is None:
                continue
            final_key = shape(record["url"])
            per_shape[final_key] = per_shape.get(final_key, 0) + 1
            for link in record.pop("links"):
                link = normalise(link)
                if link not in seen_urls and crawlable(link, self.origin) and link not in queue:
                    queue.append(link)
        if queue and sum(per_shape.values()) >= self.max_pages:
            print(f"{who}: stopped at --max-pages {self.max_pages}, {len(queue)} links left unvisited", flush=True)

    # One page

    def check(self, browser, who, url, expect_error=False, label=None, seen_urls=None):
        """GETs the page outside the browser (status, type, HTML as sent; redirects followed by
        hand), then opens it in the browser and checks it. Returns its record, or None when it is
        a download, a redirect to a page already seen, or broken."""
        url = browser.url(url)
        for _ in range(5):
            status, headers, body = browser.fetch(url)
            if status in (301, 302, 303, 307, 308) and headers.get("Location"):
                url = normalise(urllib.parse.urljoin(url, headers["Location"]))
                if not crawlable(url, self.origin):
                    return None
                if seen_urls is not None:
                    if url in seen_urls:
                        return None
                    seen_urls.add(url)
                continue
            break
        path = url[len(self.origin):] or "/"
        content_type = headers.get("Content-Type", "")
        if "text/html" not in content_type:
            if status >= 400:
                self.fail(who, path, f"lien cassé : statut {status}")
            return None
        if expect_error and status < 400 and label != "redirection vers la connexion":
            self.fail(who, path, f"{label} : statut {status} au lieu d’une page d’erreur")
        if not expect_error and status == 404 and urllib.parse.urlsplit(url).path in self.pending:
            self.pending_seen.add(urllib.parse.urlsplit(url).path)
            return None
        if not expect_error and status >= 400:
            self.fail(who, path, f"lien cassé : statut {status}")
        page = browser.open(url)
        return self.judge(browser, who, page, status, headers, body)

    def judge(self, browser, who, page, status, headers, body, tag=""):
        path = page.path
        record = {"who": who, "url": page.url, "path": path, "shape": shape(page.url) + tag, "status": status, "title": page.title,
                  "h1": page.h1, "lang": page.lang, "dsfr": page.dsfr_ran, "links": page.links}
        csp = headers.get("Content-Security-Policy", "")
        for directive in ("script-src", "style-src"):
            allowed = csp_sources(csp, directive)
            if allowed is None or not set(allowed) <= {"'self'", "'none'"}:
                self.fail(who, path, f"politique de sécurité du contenu : {directive} doit se limiter à 'self' ({csp!r})")
        if page.lang != "fr":
            self.fail(who, path, f"<html lang> vaut {page.lang!r} au lieu de \"fr\"")
        if not page.title.strip() or page.title.strip() == SERVICE:
            self.fail(who, path, f"titre vide ou sans le nom de la page : {page.title!r}")
        if status == 422 and "erreur" not in page.title.lower():
            self.fail(who, path, f"formulaire refusé : le titre ne le dit pas ({page.title!r})")
        if len(page.h1) != 1:
            self.fail(who, path, f"{len(page.h1)} titres <h1> au lieu d’un : {page.h1}")
        if "/dsfr.module.min.js" in body and not page.dsfr_ran:
            self.fail(who, path, "le script du DSFR n’a pas démarré (pas de data-fr-js sur <html>)")
        try:
            violations = browser.axe()
        except PageProblem as problem:
            self.fail(who, path, str(problem))
            violations = []
        problems = page.problems + browser.problems()
        for problem in problems:
            self.fail(who, path, f"{problem['kind']}: {problem['message']}")
        for violation in violations:
            with self.lock:
                self.violations += 1
            for node in violation["nodes"]:
                self.fail(who, path, f"axe {violation['id']} ({violation['impact']}) sur {node['target']} : {violation['help']}"
                                     f" — {node['html'][:160]}")
        record["axe"] = violations
        record["problems"] = problems
        with self.lock:
            self.counter += 1
            name = f"{self.counter:03d}-{slug(who.split('@')[0])}-{slug(path)}{tag}"
        html_file = os.path.join(self.outdir, "html", name + ".html")
        with open(html_file, "w", encoding="utf-8") as f:
            f.write(body)
        with self.lock:
            self.html_files[os.path.abspath(html_file)] = record
        record["html"] = os.path.relpath(html_file, self.outdir)
        if self.take_screenshots and not any(r["shape"] == record["shape"] and r["who"] == who for r in list(self.pages)):
            shot = os.path.join(self.outdir, "screenshots", name + ".png")
            browser.screenshot(shot)
            record["screenshot"] = os.path.relpath(shot, self.outdir)
        with self.lock:
            self.pages.append(record)
        return record

    # Pages reached by a form or a button

    def refused_form(self, browser, who, path, form_id, values, button):
        """Fills `values` into the form, submits it (it is refused and changes nothing), checks
        the page with its errors; the same post is replayed outside the browser for its HTML."""
        browser.open(path)
        form = browser.driver.find_element("id", form_id)
        for name, value in values.items():
            form.find_element("name", name).send_keys(value)
        data = browser.driver.execute_script(
            "return Array.from(new FormData(arguments[0]).entries()).filter(e => typeof e[1] === 'string')", form)
        action = form.get_attribute("action")
        form.find_element("xpath", f".//button[normalize-space()={json.dumps(button, ensure_ascii=False)}]").click()
        page = browser.settle()
        status, headers, body = browser.fetch(action, data=dict(data))
        if status != 422:
            self.fail(who, f"POST {path}", f"formulaire {form_id} vide ou incohérent : statut {status} au lieu de 422")
        record = self.judge(browser, who, page, status, headers, body, tag="-erreurs")
        record.pop("links")

    def second_factor_pages(self, browser, who):
        """/compte → "Activer la vérification en deux étapes" → the enrolment page (key shown),
        then a wrong code → the same page with its error. Last step of the run for this account
        (its session then waits for a code)."""
        browser.open("/compte")
        browser.click_button("Activer la vérification en deux étapes")
        page = browser.settle()
        if urllib.parse.urlsplit(page.url).path != "/connexion/verification":
            self.fail(who, "/compte", f"l’activation du second facteur mène à {page.url}")
            return
        status, headers, body = browser.fetch(page.url)
        self.judge(browser, who, page, status, headers, body, tag="-activation").pop("links")
        form = browser.driver.find_element("id", "verification")
        form.find_element("name", "code").send_keys("000000")
        data = browser.driver.execute_script("return Array.from(new FormData(arguments[0]).entries())", form)
        action = form.get_attribute("action")
        browser.click_button("Activer et continuer")
        page = browser.settle()
        status, headers, body = browser.fetch(action, data=dict(data))
        self.judge(browser, who, page, status, headers, body, tag="-erreurs").pop("links")

    def mobile_menu(self, browser, who, path):
        browser.open(path)
        shot = os.path.join(self.outdir, "screenshots", f"menu-mobile-{slug(who.split('@')[0])}.png") if self.take_screenshots else None
        problem = browser.mobile_menu_works(screenshot=shot)
        if problem:
            self.fail(who, path, f"menu mobile : {problem}")
        for leftover in browser.problems():
            self.fail(who, path, f"menu mobile : {leftover['kind']}: {leftover['message']}")

    # Nu HTML checker and titles

    def nu_checker(self):
        files = sorted(self.html_files)
        if not files:
            return
        started = time.monotonic()
        result = subprocess.run(["java", "-jar", VNU, "--errors-only", "--format", "json", *files], capture_output=True, text=True)
        try:
            messages = json.loads(result.stderr or result.stdout or "{}").get("messages", [])
        except json.JSONDecodeError:
            self.failures.append(f"[vnu] sortie illisible (code {result.returncode}) : {(result.stderr or result.stdout)[:500]}")
            return
        for message in messages:
            if message.get("type") not in ("error", "non-document-error") and message.get("subType") != "fatal":
                continue
            file = urllib.parse.unquote(urllib.parse.urlsplit(message.get("url", "")).path)
            record = self.html_files.get(file)
            where = f"{record['path']} ({os.path.basename(file)}:{message.get('lastLine', '?')})" if record else file
            who = record["who"] if record else "vnu"
            self.violations += 1
            self.fail(who, where, f"HTML : {message.get('message')} — {message.get('extract', '').strip()[:160]!r}")
            if record is not None:
                record.setdefault("nu", []).append(message)
        print(f"Nu HTML checker: {len(files)} files in {time.monotonic() - started:.1f} s", flush=True)

    def titles(self):
        """Two pages of different routes with the same title do not say where you are."""
        by_title = {}
        for record in self.pages:
            if record["status"] >= 400 or record["shape"].endswith(("-erreurs", "-activation")):
                continue
            by_title.setdefault((record["who"], record["title"]), set()).add(record["shape"].split("?")[0])
        for (who, title), shapes in sorted(by_title.items()):
            if len(shapes) > 1:
                self.fail(who, ", ".join(sorted(shapes)), f"même titre pour des pages différentes : {title!r}")

    def report(self, elapsed):
        for record in self.pages:
            record.pop("links", None)
        with open(os.path.join(self.outdir, "report.json"), "w", encoding="utf-8") as f:
            json.dump({"pages": self.pages, "failures": self.failures, "seconds": round(elapsed, 1)}, f, ensure_ascii=False, indent=2)
        lines = [f"{r['who']:32} {r['status']} {r['path']}  «{r['title']}»" for r in self.pages]
        lines += ["", f"{len(self.failures)} problème(s) :"] + self.failures
        with open(os.path.join(self.outdir, "report.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("outdir")
    parser.add_argument("--per-shape", type=int, default=3, help="pages per route shape and account (3)")
    parser.add_argument("--max-pages", type=int, default=60, help="pages crawled per account at most (60)")
    parser.add_argument("--users", default=",".join(["anonyme"] + USERS), help="comma-separated: anonyme and demo e-mails")
    parser.add_argument("--jobs", type=int, default=2, help="accounts checked at once, one Chromium each (2)")
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--pending", default="", help="comma-separated paths still being written: a link there answering 404 is reported, not failed")
    arguments = parser.parse_args()
    for needed in (VNU, os.path.join(ROOT, ".vendor", "axe.min.js")):
        if not os.path.exists(needed):
            print(f"missing {needed}: run scripts/fetch-web-assets.sh test", file=sys.stderr)
            return 2
    outdir = os.path.abspath(arguments.outdir)
    started = time.monotonic()
    run = Run(arguments.base_url, outdir, arguments.per_shape, arguments.max_pages, not arguments.no_screenshots,
              pending=[p.strip() for p in arguments.pending.split(",") if p.strip()])
    accounts = [None if user.strip() in ("", "anonyme") else user.strip() for user in arguments.users.split(",")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, arguments.jobs)) as pool:
        list(pool.map(run.account, accounts))
    order = {account or "anonyme": index for index, account in enumerate(accounts)}
    run.pages.sort(key=lambda r: order.get(r["who"], len(order)))
    run.failures.sort(key=lambda line: order.get(line[1:line.index("]")], len(order)))
    run.nu_checker()
    run.titles()
    elapsed = time.monotonic() - started
    run.report(elapsed)
    shapes = sorted({r["shape"] for r in run.pages})
    print(f"route shapes covered ({len(shapes)}): " + " ".join(shapes))
    if run.pending_seen:
        print("pages linked to but not written yet (404, --pending): " + " ".join(sorted(run.pending_seen)))
    written = sorted(run.pending - run.pending_seen)
    if written:
        print("--pending lists paths that were not met as missing (written now, or not linked): " + " ".join(written))
    for failure in run.failures:
        print("FAIL " + failure)
    print(f"report: {os.path.join(outdir, 'report.txt')}; screenshots: {os.path.join(outdir, 'screenshots')} ({elapsed:.0f} s)")
    print(f"accessibility: {len(run.pages)} pages, {run.violations} violations, {len(run.failures)} failures")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
