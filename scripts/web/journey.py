#!/usr/bin/env python3
"""Situations 1 and 2 of the operator journey, end to end in headless Chromium, with the demo
operator and the demo reviewer side by side (two browsers, two sessions):

  1. declaration (2 PACS, 2 client SIRENs, signed CGI) -> ANS approval -> integration (a CSR per
     FQDN pair, pasted, read into the DN fields) -> ANS approval (provisional integration, on the
     white list) -> VA document -> ANS approval (definitive integration);
  2. ANS excludes the DRIMbox for a cyber-security incident (off the white list) -> the operator
     asks for re-integration with a statement and new CGI -> ANS approval (back on the list).

Every step goes through the pages as a person would (links, forms, buttons); the white list is
read from /liste-blanche.xml. Screenshots of the main pages go to OUTDIR/journey/ (their names
say the step). Exit 0 when every check held.

Usage: scripts/web/journey.py BASE_URL OUTDIR
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import Browser, PageProblem  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

PASSWORD = "demo-edc-2026!"
OPERATOR = "alice@alpha-imagerie.demo.edc"
REVIEWER = "instructeur@ans.demo.edc"
STRUCTURE_ID = "318751275100020"


class JourneyFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise JourneyFailed(message)
    print(f"ok: {message}")


def minimal_pdf(text):
    """A small valid one-page PDF (header, catalogue, page tree, page, content, xref, trailer)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def csr_for(fqdn, workdir):
    """A key and a CSR whose subject follows the DN rule, made with openssl (the key stays here)."""
    key, csr = os.path.join(workdir, fqdn + ".key"), os.path.join(workdir, fqdn + ".csr")
    subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-utf8",
                    "-subj", f"/C=FR/ST=Paris (75)/O=Alpha Imagerie/OU={STRUCTURE_ID}/CN={fqdn}"],
                   check=True, capture_output=True)
    with open(csr, encoding="ascii") as f:
        return f.read()


class Step:
    """One browser of the journey: a person, their pages, their screenshots."""

    def __init__(self, browser, who, outdir):
        self.browser, self.who, self.outdir = browser, who, outdir
        self.count = 0

    @property
    def driver(self):
        return self.browser.driver

    def shot(self, name):
        self.count += 1
        path = os.path.join(self.outdir, f"{self.who}-{self.count:02d}-{name}.png")
        self.browser.screenshot(path)

    def open(self, path):
        page = self.browser.open(path)
        self.no_problems(page)
        return page

    def no_problems(self, page):
        if page.problems:
            raise JourneyFailed(f"{self.who} on {page.url}: {page.problems}")

    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "main").text

    def fill(self, name, value):
        element = self.driver.find_element(By.NAME, name)
        if element.tag_name == "select":
            element.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        else:
            element.clear()
            element.send_keys(value)

    def attach(self, name, path):
        self.driver.find_element(By.NAME, name).send_keys(path)

    def press(self, value=None, label=None, form=None):
        """Clicks a submit button, by its `value` (name=action buttons) or its label, and waits
        for the next page."""
        scope = f"//form[@id='{form}']" if form else ""
        if value is not None:
            xpath = f"{scope}//button[@value='{value}']"
        else:
            xpath = f"{scope}//button[normalize-space()='{label}']"
        buttons = self.driver.find_elements(By.XPATH, xpath)
        if not buttons:
            raise JourneyFailed(f"{self.who} on {self.path()}: no button {value or label!r}")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", buttons[0])
        buttons[0].click()
        page = self.browser.settle()
        self.no_problems(page)
        return page

    def errors(self):
        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".fr-message--error, .fr-alert--error")]


def whitelist(base):
    with urllib.request.urlopen(base + "/liste-blanche.xml", timeout=10) as response:
        return response.read().decode("utf-8")


def wait_for_whitelist(base, predicate, what):
    """The list is published by a background loop after each registry change: read it again until
    it says `what` (bounded: 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        text = whitelist(base)
        if predicate(text):
            print(f"ok: white list {what}")
            return text
        if time.monotonic() > deadline:
            raise JourneyFailed(f"the white list did not come to say {what} within 60 s")
        time.sleep(0.2)


def request_id(step):
    match = re.fullmatch(r"/espace/demandes/([0-9A-Fa-f-]{36})", step.path())
    if not match:
        raise JourneyFailed(f"expected a request page, got {step.path()}: {step.errors()}")
    return match.group(1)


def review(reviewer, rid, shot=None):
    """The reviewer opens the request from the queue, starts the review and approves it."""
    reviewer.open("/ans")
    links = reviewer.driver.find_elements(By.CSS_SELECTOR, f"a[href='/ans/demandes/{rid}']")
    check(bool(links), f"the request {rid[:8]} is in the review queue")
    links[0].click()
    reviewer.no_problems(reviewer.browser.settle())
    if reviewer.driver.find_elements(By.XPATH, "//button[@value='startReview']"):
        reviewer.press(value="startReview")
    if shot:
        reviewer.shot(shot)
    reviewer.press(value="approve")
    check("Acceptée" in reviewer.text() or "acceptée" in reviewer.text(), f"the reviewer approved request {rid[:8]}")


def new_request(operator, slug, drimbox):
    """From the new-request page, the kind's form for the DRIMbox (a GET form with a select)."""
    operator.open("/espace/demandes/nouvelle")
    if drimbox is None:
        operator.driver.find_element(By.CSS_SELECTOR, f"a[href='/espace/demandes/nouvelle/{slug}']").click()
    else:
        select = operator.driver.find_element(By.ID, f"drimbox-{slug}")
        select.find_element(By.CSS_SELECTOR, f"option[value='{drimbox}']").click()
        select.find_element(By.XPATH, "./ancestor::form//button").click()
    operator.no_problems(operator.browser.settle())
    check(operator.path() == f"/espace/demandes/nouvelle/{slug}", f"the {slug} form opens")


def drimbox_state(operator, drimbox):
    operator.open(f"/espace/drimbox/{drimbox}")
    return operator.text()


def main():
    base, outdir = sys.argv[1].rstrip("/"), os.path.join(sys.argv[2], "journey")
    os.makedirs(outdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="edc-journey-")
    cgi, va = os.path.join(work, "cgi-signees.pdf"), os.path.join(work, "document-va.pdf")
    for path, text in [(cgi, "CGI signees - Alpha Imagerie"), (va, "Document de VA - Alpha Imagerie")]:
        with open(path, "wb") as f:
            f.write(minimal_pdf(text))

    with Browser(base) as operator_browser, Browser(base) as reviewer_browser:
        operator, reviewer = Step(operator_browser, "operateur", outdir), Step(reviewer_browser, "instructeur", outdir)
        try:
            run(base, operator, reviewer, work, cgi, va)
        except Exception:
            # What each person had on screen when it failed.
            for step in (operator, reviewer):
                try:
                    step.shot("ECHEC")
                    print(f"{step.who} was on {step.driver.current_url}; errors shown: {step.errors()}")
                except Exception:
                    pass
            raise
    print(f"journey: situations 1 and 2 done; screenshots in {outdir}")


def run(base, operator, reviewer, work, cgi, va):
        operator_browser, reviewer_browser = operator.browser, reviewer.browser
        operator_browser.sign_in(OPERATOR, PASSWORD)
        reviewer_browser.sign_in(REVIEWER, PASSWORD)
        operator.open("/espace")
        operator.shot("tableau-de-bord")
        reviewer.open("/ans")
        reviewer.shot("file-instruction")

        # Situation 1, step 1: the declaration.
        new_request(operator, "declaration", None)
        operator.fill("clients", "383474814\n552100554")
        operator.fill("pacs-0-sourceHostname", "pacs1.clinique-du-parc.fr")
        operator.fill("pacs-0-viewerHostname", "visio1.clinique-du-parc.fr")
        operator.press(value="ajouter-pacs")
        check(operator.driver.find_element(By.NAME, "pacs-0-sourceHostname").get_attribute("value") == "pacs1.clinique-du-parc.fr",
              "adding a PACS keeps what was typed")
        operator.fill("pacs-1-sourceHostname", "pacs2.clinique-du-parc.fr")
        operator.fill("pacs-1-viewerHostname", "visio2.clinique-du-parc.fr")
        operator.attach("cgiDocument", cgi)
        operator.shot("declaration")
        operator.press(value="soumettre")
        declaration = request_id(operator)
        operator.shot("declaration-soumise")
        review(reviewer, declaration, shot="declaration-a-instruire")

        operator.open(f"/espace/demandes/{declaration}")
        links = operator.driver.find_elements(By.CSS_SELECTOR, "a[href^='/espace/drimbox/']")
        check(bool(links), "the approved declaration links to its new DRIMbox")
        drimbox = links[0].get_attribute("href").rsplit("/", 1)[1]
        text = drimbox_state(operator, drimbox)
        fqdns = sorted(set(re.findall(r"db\d+\.\d+\.mesimagesmedicales\.fr", text)))
        check(len(fqdns) == 2, f"the DRIMbox has two db FQDNs: {fqdns}")
        operator.shot("drimbox-declaree")

        # Step 3: integration, a CSR pasted per pair and read into the DN fields.
        new_request(operator, "integration", drimbox)
        for index, fqdn in enumerate(fqdns):
            label = operator.driver.find_element(By.CSS_SELECTOR, f"label[for='champ-certificates-{index}-pem']").text
            own = re.search(r"db\d+\.\d+\.mesimagesmedicales\.fr", label).group(0)
            operator.fill(f"certificates-{index}-pem", csr_for(own, work))
        operator.press(value="lire-certificats")
        for index in range(len(fqdns)):
            dn = operator.driver.find_element(By.NAME, f"certificates-{index}-dn").get_attribute("value")
            check(dn.startswith("CN=db") and f"OU={STRUCTURE_ID}" in dn, f"the pasted CSR filled DN {index + 1}: {dn}")
        operator.shot("integration")
        operator.press(value="soumettre")
        integration = request_id(operator)
        review(reviewer, integration)
        wait_for_whitelist(base, lambda xml: all(f in xml for f in fqdns), "lists the two db FQDNs (provisional integration)")
        check("Intégrée (provisoire)" in drimbox_state(operator, drimbox), "the DRIMbox is provisionally integrated")

        # Step 4: the VA document, then definitive integration.
        new_request(operator, "document-va", drimbox)
        operator.attach("vaDocument", va)
        operator.press(value="soumettre")
        va_request = request_id(operator)
        review(reviewer, va_request)
        text = drimbox_state(operator, drimbox)
        check("Intégrée (définitive)" in text and "Intégrée (provisoire)" not in text.split("Historique")[0], "the DRIMbox is integrated for good")
        operator.shot("drimbox-integree")
        operator.open(f"/espace/demandes/{declaration}")
        operator.shot("demande-chronologie")

        # Situation 2: exclusion for a cyber-security incident, then re-integration.
        reviewer.open(f"/ans/drimbox/{drimbox}")
        reviewer.fill("motif", "cyberIncident")
        reviewer.fill("detail", "Compromission du serveur source signalée le jour même (exercice de démonstration).")
        reviewer.shot("drimbox-exclusion")
        reviewer.press(label="Exclure la DRIMbox")
        check("Exclue" in reviewer.text(), "the reviewer excluded the DRIMbox")
        check("Exclue" in drimbox_state(operator, drimbox), "the operator sees the DRIMbox excluded")
        wait_for_whitelist(base, lambda xml: not any(f in xml for f in fqdns), "no longer lists the excluded DRIMbox")

        new_request(operator, "reintegration", drimbox)
        operator.fill("statement", "Serveur réinstallé, clés et certificats renouvelés, accès revus ; rapport d’incident joint au dossier.")
        operator.press(value="soumettre")
        check(any("CGI" in e or "conditions générales" in e for e in operator.errors()), "re-integration after a cyber incident asks for new CGI")
        operator.shot("reintegration-refusee")
        operator.attach("cgiDocument", cgi)
        operator.press(value="soumettre")
        reintegration = request_id(operator)
        review(reviewer, reintegration, shot="reintegration-a-instruire")
        wait_for_whitelist(base, lambda xml: all(f in xml for f in fqdns), "lists the re-integrated DRIMbox again")
        check("Exclue" not in drimbox_state(operator, drimbox).split("Historique")[0], "the DRIMbox is no longer excluded")
        operator.open("/espace")
        operator.shot("tableau-de-bord-fin")
        reviewer.open(f"/ans/drimbox/{drimbox}")
        reviewer.shot("drimbox-historique")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        print(f"journey FAILED: {error}")
        sys.exit(1)
