"""Screenshots of the addons' main screens, taken in headless Chromium from a running Odoo.

    setup/screenshots [--url URL] [--db DB] [--lang en_US|zh_CN] [--out DIR] [--only NAME,…]

Start Odoo with the demo data first (``setup/run``). Each screen is written to
``DIR/<addon>/<name>.png`` (default DIR: the repository, i.e. each addon's
``static/description/``). ``--lang zh_CN`` installs the language when needed, shows the screens
to the administrator in Simplified Chinese and gives the administrator their language back.
"""

import argparse
import base64
import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDTH, HEIGHT = 1440, 900


class Odoo:
    """JSON-RPC session of one user."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.uid = self._post(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )["uid"]

    def _post(self, path, params):
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode()
        req = urllib.request.Request(self.url + path, body, {"Content-Type": "application/json"})
        with self.opener.open(req, timeout=120) as resp:
            data = json.load(resp)
        if data.get("error"):
            raise RuntimeError(json.dumps(data["error"], indent=1)[:2000])
        return data["result"]

    def call(self, model, method, *args, **kwargs):
        return self._post(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def first(self, model, domain, order=None):
        ids = self.call(model, "search", domain, limit=1, order=order)
        return ids[0] if ids else None

    @property
    def session_id(self):
        return next(c.value for c in self.jar if c.name == "session_id")


class Browser:
    """Headless Chromium driven through the DevTools protocol."""

    def __init__(self):
        exe = (
            shutil.which("chromium")
            or shutil.which("chromium-browser")
            or shutil.which("google-chrome")
        )
        if not exe:
            sys.exit("Chromium is needed for screenshots (apt-get install chromium)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="crm-shots-")
        self.proc = subprocess.Popen(
            [
                exe,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                f"--remote-debugging-port={port}",
                f"--user-data-dir={self.profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as resp:
                    pages = [t for t in json.load(resp) if t["type"] == "page"]
                if pages:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            sys.exit("Chromium did not start")
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.seq = 0
        self.send("Page.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.seq:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expr):
        res = self.send("Runtime.evaluate", expression=expr, returnByValue=True)
        return res.get("result", {}).get("value")

    def set_session(self, url, session_id):
        self.send("Network.enable")
        self.send("Network.clearBrowserCookies")
        self.send("Network.setCookie", name="session_id", value=session_id, url=url)

    def shoot(self, url, selector, path, click=None):
        self.send("Page.navigate", url=url)
        deadline = time.time() + 60
        ready = (
            f"!!document.querySelector({json.dumps(selector)}) && "
            "!document.querySelector('.o_loading_indicator, .o_blockUI, .o-mail-Thread-loading')"
        )
        while time.time() < deadline and not self.evaluate(ready):
            time.sleep(0.3)
        if click:
            self.evaluate(f"document.querySelector({json.dumps(click)})?.click()")
        time.sleep(1.5)  # charts and fonts settle
        data = self.send("Page.captureScreenshot", format="png")["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


def screens(admin):
    """(addon, name, path, css selector to wait for, css selector to click or None, portal?)"""

    def act(xmlid, rec=None):
        return f"/odoo/action-{xmlid}" + (f"/{rec}" if rec else "")

    vip = admin.first(
        "res.partner", [("crm_tier_id.code", "=", "vip"), ("crm_order_count", ">", 2)]
    )
    complaint = admin.first(
        "crm.complaint",
        [("stage_id.fold", "=", False), ("partner_id", "!=", False)],
        order="id desc",
    )
    response = admin.first("crm.satisfaction.response", [("csat", ">", 0)], order="id desc")
    warning = admin.first("crm.churn.warning", [("state", "=", "new")], order="score desc")
    model = admin.first("crm.churn.model", [], order="id desc")
    backtest = admin.first("crm.churn.backtest", [], order="id desc")
    churned = admin.first("res.partner", [("crm_lifecycle_stage", "=", "churned")])
    rows = [
        (
            "crm_lifecycle_tiering",
            "tier_rules",
            act("crm_lifecycle_tiering.crm_tier_rule_action"),
            ".o_list_view",
        ),
        ("crm_lifecycle_tiering", "partner_vip", f"/odoo/contacts/{vip}", ".o_form_view"),
        (
            "crm_lifecycle_tiering",
            "tiers_revenue",
            act("crm_lifecycle_tiering.res_partner_action_customer_value"),
            ".o_action",
        ),
        (
            "crm_lifecycle_tiering",
            "lifecycle_funnel",
            act("crm_lifecycle_tiering.res_partner_action_stage_funnel"),
            ".o_action",
        ),
        (
            "crm_lifecycle_tiering",
            "simulation",
            act("crm_lifecycle_tiering.crm_tier_simulation_action"),
            ".modal",
        ),
        (
            "crm_satisfaction",
            "complaints",
            act("crm_satisfaction.crm_complaint_action"),
            ".o_kanban_view",
        ),
        (
            "crm_satisfaction",
            "complaint_form",
            act("crm_satisfaction.crm_complaint_action", complaint),
            ".o_form_view",
        ),
        (
            "crm_satisfaction",
            "complaint_analysis",
            act("crm_satisfaction.crm_complaint_action_analysis"),
            ".o_action",
        ),
        (
            "crm_satisfaction",
            "campaigns",
            act("crm_satisfaction.crm_satisfaction_campaign_action"),
            ".o_action",
        ),
        (
            "crm_satisfaction",
            "response_form",
            act("crm_satisfaction.crm_satisfaction_response_action", response),
            ".o_form_view",
        ),
        (
            "crm_satisfaction",
            "followups",
            act("crm_satisfaction.res_partner_action_followup_due"),
            ".o_action",
        ),
        ("crm_satisfaction", "settings", "/odoo/settings#crm_satisfaction", ".o_setting_container"),
        (
            "crm_churn_warning",
            "warnings",
            act("crm_churn_warning.crm_churn_warning_action"),
            ".o_kanban_view",
        ),
        (
            "crm_churn_warning",
            "warning_form",
            act("crm_churn_warning.crm_churn_warning_action", warning),
            ".o_form_view",
        ),
        ("crm_churn_warning", "partner_churned", f"/odoo/contacts/{churned}", ".o_form_view"),
        (
            "crm_churn_warning",
            "purchase_model",
            act("crm_churn_warning.crm_churn_model_action", model),
            ".o_form_view",
        ),
        (
            "crm_churn_warning",
            "backtest",
            act("crm_churn_warning.crm_churn_backtest_action", backtest),
            ".o_form_view",
        ),
    ]
    return [(*row, None, False) for row in rows if not row[2].endswith("/None")]


def portal_screens(portal):
    complaint = portal.first("crm.complaint", [], order="id desc")
    rows = [("crm_satisfaction", "portal_complaints", "/my/complaints", "main")]
    if complaint:
        rows.append(
            (
                "crm_satisfaction",
                "portal_complaint",
                f"/my/complaints/{complaint}",
                ".o-mail-Message",
            )
        )
    return [(*row, None, True) for row in rows]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--url", default=f"http://localhost:{os.environ.get('ODOO_HTTP_PORT', '8069')}"
    )
    parser.add_argument("--db", default=os.environ.get("ODOO_DB", "crm_demo"))
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--portal-login", default="portal")
    parser.add_argument("--portal-password", default="portal")
    parser.add_argument("--lang", default="en_US")
    parser.add_argument(
        "--out", default=None, help="folder; default: each addon's static/description"
    )
    parser.add_argument("--only", default="", help="comma-separated screen names")
    args = parser.parse_args()

    admin = Odoo(args.url, args.db, args.login, args.password)
    old_lang = admin.call("res.users", "read", [admin.uid], ["lang"])[0]["lang"]
    if args.lang != old_lang:
        if not admin.call("res.lang", "search", [("code", "=", args.lang)]):
            lang_ids = admin.call(
                "res.lang", "search", [("code", "=", args.lang), ("active", "=", False)]
            )
            wiz = admin.call("base.language.install", "create", {"lang_ids": [(6, 0, lang_ids)]})
            admin.call("base.language.install", "lang_install", [wiz])
        admin.call("res.users", "write", [admin.uid], {"lang": args.lang})
    rows = screens(admin)
    try:
        portal = Odoo(args.url, args.db, args.portal_login, args.portal_password)
        portal_lang = admin.call("res.users", "read", [portal.uid], ["lang"])[0]["lang"]
        if args.lang != portal_lang:
            admin.call("res.users", "write", [portal.uid], {"lang": args.lang})
            # the session keeps the language it was opened with
            portal = Odoo(args.url, args.db, args.portal_login, args.portal_password)
        rows += portal_screens(portal)
    except RuntimeError as exc:
        print(f"no portal screens: {str(exc).splitlines()[0]}", file=sys.stderr)
        portal = portal_lang = None
    only = {n for n in args.only.split(",") if n}
    browser = Browser()
    try:
        for addon, name, path, selector, click, is_portal in rows:
            if only and name not in only:
                continue
            user = portal if is_portal else admin
            browser.set_session(args.url, user.session_id)
            base = args.out or ROOT
            target = (
                os.path.join(base, addon, "static", "description", f"{name}.png")
                if not args.out
                else os.path.join(base, addon, f"{name}.png")
            )
            browser.shoot(args.url + path, selector, target, click)
            print(os.path.relpath(target, ROOT))
    finally:
        browser.close()
        if args.lang != old_lang:
            admin.call("res.users", "write", [admin.uid], {"lang": old_lang})
        if portal and args.lang != portal_lang:
            admin.call("res.users", "write", [portal.uid], {"lang": portal_lang})


if __name__ == "__main__":
    main()
