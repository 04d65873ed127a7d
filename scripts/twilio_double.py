#!/usr/bin/env python3
"""A local stand-in for Twilio's Messages API (2010-04-01), for fido's tests.

Standard library only. It checks requests the way the real API does (path,
HTTP Basic credentials, form encoding, To/From/MessagingServiceSid/Body) and
answers with Twilio's JSON shapes. Tests script failures through /_double/.

    scripts/twilio_double.py --port 0 [--host 127.0.0.1]
        [--account-sid AC...] [--auth-token TOKEN]

The first stdout line is `PORT <n>`. The double exits when stdin reaches end
of file (so it never outlives the test that started it), or on SIGTERM.

Twilio API (Basic auth as account SID + auth token):
  POST /2010-04-01/Accounts/{AC..}/Messages.json   create (201 Message)
  GET  /2010-04-01/Accounts/{AC..}/Messages.json   list; filters To, From,
       DateSent, DateSent>, DateSent< (YYYY-MM-DD, UTC days), PageSize, Page
  GET  /2010-04-01/Accounts/{AC..}/Messages/{SM..}.json   fetch
  GET  /2010-04-01/Accounts/{AC..}.json   the account (doctor's credentials check)

Control (JSON, no auth):
  POST /_double/program   a list (or {"responses": [...]}) of entries, queued:
       {"status": 201}                       normal create
       {"status": 400, "code": 21211}        Twilio error (any status/code)
       {"status": 429, "retry_after": 2}     with a Retry-After header
       {"status": 500} / {"status": 503}
       {"status": 500, "record_as_sent": true}    store it, answer 500 anyway
       {"hang_ms": 5000, "record_as_sent": true}  store it, then answer late
       {"drop": true, "record_as_sent": true}     store it, close silently
       {"status": 201, "body": {...}}        answer exactly this JSON
       {"list_status": 500}                  the next list request fails
       {"fetch_status": 429, "retry_after": 1}   the next fetch fails (any status)
     Create entries apply, in order, to the creates that pass authentication;
     list entries to list requests; fetch entries to fetch requests.
  POST /_double/deliveries   delivery scripts: a list of
       {"to": "+233…", "statuses": ["sent", "undelivered"],
        "error_code": 30003, "error_message": "…"}
     A message created to `to` (a rule without "to" matches any number; the
     first matching rule wins; rules stay until reset) starts `queued` and
     each fetch moves it one step along `statuses`, staying on the last.
     `error_code`/`error_message` appear once it is undelivered or failed.
     With {"sid": "SM…", ...} instead of "to", the script applies to that
     stored message. Without a script a message stays `queued`.
  POST /_double/opt_out   {"numbers": ["+233…"]}: creates to these numbers
     answer 400 / 21610 (replied STOP) until {"numbers": [...], "start": true}.
  GET  /_double/requests  recorded create requests (?all=1: every API request)
  GET  /_double/messages  stored messages
  POST /_double/reset     forget messages, requests and programs

`ValidityPeriod`, when given, must be an integer from 1 to 36000 (Twilio's
API); anything else answers 400 (code 20001, as the double does for other
malformed parameters). `--port N` reuses a port (tests restart the double
there to simulate an outage).

Credentials are compared in constant time and never printed. Recorded
requests do keep their headers, Authorization included: tests read them.
"""

import argparse
import base64
import hmac
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_TOKEN = "double-auth-token"

SID_RE = re.compile(r"^AC[0-9a-fA-F]{32}$")
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
MG_RE = re.compile(r"^MG[0-9a-fA-F]{32}$")
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ACCOUNT_RE = re.compile(r"^/2010-04-01/Accounts/([^/]+)\.json$")
LIST_RE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
FETCH_RE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$")

MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service unavailable",
    21211: "The 'To' number {to} is not a valid phone number.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21606: "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account.",
    21608: "The number {to} is unverified. Trial accounts may only send messages to verified numbers.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    21635: "The 'To' number cannot receive SMS: it is a landline.",
    21701: "The Messaging Service Sid {mg} is invalid.",
}
DEFAULT_CODE = {400: 21211, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


def now_rfc2822():
    return format_datetime(datetime.now(timezone.utc).replace(microsecond=0))


class State:
    """Everything the handlers share, behind one lock."""

    def __init__(self, sid, token):
        self.sid = sid
        self.token = token
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.messages = []  # oldest first
        self.requests = []
        self.create_program = []
        self.list_program = []
        self.fetch_program = []
        self.delivery_rules = []
        self.opted_out = set()
        self.scripts = {}  # sid -> {"statuses": [...], "step": n, "error_code", "error_message"}

    def error_body(self, status, code=None, **fields):
        code = code if code is not None else DEFAULT_CODE.get(status)
        template = MESSAGES.get(code, "Error")
        try:
            message = template.format(**fields)
        except KeyError:
            message = template
        body = {"code": code, "message": message, "status": status}
        body["more_info"] = "https://www.twilio.com/docs/errors/%d" % code if code else None
        return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "twilio-double/1"
    state: State  # set on the class by main()

    # ---- plumbing

    def log_message(self, fmt, *args):  # quiet: no request lines, no headers
        pass

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def record(self, method, path, query, raw, form):
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "headers": {k: v for k, v in self.headers.items()},
            "header_list": [[k, v] for k, v in self.headers.items()],
            "raw_body": raw.decode("utf-8", "replace"),
            "form": {k: v[-1] for k, v in form.items()},
            "time": time.time(),
        }
        with self.state.lock:
            self.state.requests.append(entry)

    def authenticated(self, account):
        """HTTP Basic: username = the account SID in the path, password = token."""
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        ok_user = hmac.compare_digest(user.encode(), self.state.sid.encode())
        ok_pass = hmac.compare_digest(password.encode(), self.state.token.encode())
        return ok_user and ok_pass and account == self.state.sid

    def admitted(self, account):
        """Answers 404 for a malformed account SID and 401 for bad credentials."""
        if not SID_RE.match(account):
            self.send_json(404, self.state.error_body(404))
            return False
        if not self.authenticated(account):
            self.send_json(401, self.state.error_body(401))
            return False
        return True

    def fetch_account(self, account):
        """GET /2010-04-01/Accounts/{Sid}.json: the account, with the credentials checked."""
        if not self.admitted(account):
            return
        self.send_json(200, {
            "sid": account, "friendly_name": "fido test account", "status": "active",
            "type": "Trial", "uri": "/2010-04-01/Accounts/%s.json" % account,
        })

    # ---- routing

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_double/requests":
            everything = "all=1" in url.query
            with self.state.lock:
                rows = [r for r in self.state.requests if everything or r["method"] == "POST"]
            return self.send_json(200, rows)
        if url.path == "/_double/messages":
            with self.state.lock:
                rows = list(self.state.messages)
            return self.send_json(200, rows)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        self.record("GET", url.path, url.query, b"", query)
        match = ACCOUNT_RE.match(url.path)
        if match:
            return self.fetch_account(match.group(1))
        match = LIST_RE.match(url.path)
        if match:
            return self.list_messages(match.group(1), url, query)
        match = FETCH_RE.match(url.path)
        if match:
            return self.fetch_message(match.group(1), match.group(2))
        self.send_json(404, self.state.error_body(404))

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        raw = self.read_body()
        if url.path.startswith("/_double/"):
            return self.control(url.path, raw)
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        form = {}
        if content_type == "application/x-www-form-urlencoded":
            try:
                form = urllib.parse.parse_qs(
                    raw.decode("utf-8"), keep_blank_values=True, errors="strict"
                )
            except UnicodeDecodeError:
                form = {}
        self.record("POST", url.path, url.query, raw, form)
        match = LIST_RE.match(url.path)
        if not match:
            return self.send_json(404, self.state.error_body(404))
        self.create_message(match.group(1), {k: v[-1] for k, v in form.items()})

    # ---- control

    def control(self, path, raw):
        if path == "/_double/reset":
            with self.state.lock:
                self.state.reset()
            return self.send_json(200, {"ok": True})
        if path == "/_double/program":
            try:
                body = json.loads(raw or b"[]")
            except ValueError:
                return self.send_json(400, {"error": "program must be JSON"})
            entries = body.get("responses", []) if isinstance(body, dict) else body
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                return self.send_json(400, {"error": "program must be a list of objects"})
            with self.state.lock:
                for entry in entries:
                    if "list_status" in entry:
                        self.state.list_program.append(entry)
                    elif "fetch_status" in entry:
                        self.state.fetch_program.append(entry)
                    else:
                        self.state.create_program.append(entry)
            return self.send_json(200, {"queued": len(entries)})
        if path == "/_double/deliveries":
            try:
                body = json.loads(raw or b"[]")
            except ValueError:
                return self.send_json(400, {"error": "deliveries must be JSON"})
            rules = body if isinstance(body, list) else [body]
            if not all(isinstance(r, dict) and isinstance(r.get("statuses"), list) for r in rules):
                return self.send_json(400, {"error": "each rule needs a statuses list"})
            with self.state.lock:
                for rule in rules:
                    if "sid" in rule:
                        self.state.scripts[rule["sid"]] = self.script(rule)
                    else:
                        self.state.delivery_rules.append(rule)
            return self.send_json(200, {"rules": len(rules)})
        if path == "/_double/opt_out":
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self.send_json(400, {"error": "opt_out must be JSON"})
            numbers = body.get("numbers", []) if isinstance(body, dict) else []
            with self.state.lock:
                if body.get("start"):
                    self.state.opted_out.difference_update(numbers)
                else:
                    self.state.opted_out.update(numbers)
                current = sorted(self.state.opted_out)
            return self.send_json(200, {"opted_out": current})
        self.send_json(404, {"error": "unknown control endpoint"})

    @staticmethod
    def script(rule):
        return {"statuses": list(rule["statuses"]), "step": 0,
                "error_code": rule.get("error_code"), "error_message": rule.get("error_message")}

    # ---- API

    def create_message(self, account, form):
        if not self.admitted(account):
            return
        with self.state.lock:
            entry = self.state.create_program.pop(0) if self.state.create_program else {}
        to = form.get("To", "")
        status = entry.get("status", 201)
        if "body" in entry:  # a canned answer, stored nowhere
            return self.send_json(status, entry["body"])
        if status != 201 and not entry.get("record_as_sent"):
            headers = []
            if "retry_after" in entry:
                headers.append(("Retry-After", str(entry["retry_after"])))
            code = entry.get("code")
            return self.send_json(status, self.state.error_body(status, code, to=to, mg=""), headers)

        error = self.validate(form)
        if error:
            return self.send_json(400, error)
        with self.state.lock:
            unsubscribed = to in self.state.opted_out
        if unsubscribed:
            return self.send_json(400, self.state.error_body(400, 21610, to=to))
        faulty = entry.get("drop") or "hang_ms" in entry
        message = self.store(account, form) if entry.get("record_as_sent") or not faulty else None
        if entry.get("drop"):
            self.close_connection = True
            return  # close without a byte of answer
        if "hang_ms" in entry:
            time.sleep(entry["hang_ms"] / 1000.0)
        try:
            if message is None:  # a hang that Twilio never acted on
                return self.send_json(503, self.state.error_body(503))
            if status != 201:  # Twilio stored it, then answered with an error
                return self.send_json(status, self.state.error_body(status, entry.get("code"), to=to, mg=""))
            self.send_json(status, message)
        except OSError:
            pass  # the client gave up waiting

    def validate(self, form):
        to = form.get("To", "")
        sender = form.get("From", "")
        service = form.get("MessagingServiceSid", "")
        body = form.get("Body", "")
        err = self.state.error_body
        if not to:
            return err(400, 21604)
        if not E164_RE.match(to):
            return err(400, 21211, to=to)
        if not sender and not service:
            return err(400, 21603)
        if service and not MG_RE.match(service):
            return err(400, 21701, mg=service)
        if sender and not (E164_RE.match(sender) or re.match(r"^[A-Za-z0-9 ]{1,11}$", sender)):
            return err(400, 21606)
        if not body:
            return err(400, 21602)
        if len(body) > 1600:
            return err(400, 21617)
        validity = form.get("ValidityPeriod")
        if validity is not None and not (
            re.fullmatch(r"[0-9]{1,5}", validity) and 1 <= int(validity) <= 36000
        ):
            return {"code": 20001, "message": "Invalid ValidityPeriod: %s" % validity,
                    "more_info": "https://www.twilio.com/docs/errors/20001", "status": 400}
        return None

    def store(self, account, form):
        sid = "SM" + secrets.token_hex(16)
        stamp = now_rfc2822()
        service = form.get("MessagingServiceSid") or None
        sender = form.get("From") or None
        base = "/2010-04-01/Accounts/%s/Messages/%s" % (account, sid)
        message = {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": stamp,
            "date_sent": stamp,
            "date_updated": stamp,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender,
            "messaging_service_sid": service,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not sender else "queued",
            "subresource_uris": {"media": base + "/Media.json"},
            "to": form["To"],
            "uri": base + ".json",
        }
        with self.state.lock:
            self.state.messages.append(message)
            for rule in self.state.delivery_rules:
                if rule.get("to") in (None, message["to"]):
                    self.state.scripts[sid] = self.script(rule)
                    break
        return message

    def list_messages(self, account, url, query):
        if not self.admitted(account):
            return
        with self.state.lock:
            entry = self.state.list_program.pop(0) if self.state.list_program else None
            messages = list(reversed(self.state.messages))  # newest first
        if entry:
            return self.send_json(entry["list_status"], self.state.error_body(entry["list_status"]))

        def one(name):
            values = query.get(name)
            return values[-1] if values else None

        filters = {name: one(name) for name in ("DateSent", "DateSent>", "DateSent<")}
        for name, value in filters.items():
            if value is not None and not DAY_RE.match(value):
                return self.send_json(400, {"code": 20001, "message": "Invalid %s" % name,
                                            "more_info": "https://www.twilio.com/docs/errors/20001",
                                            "status": 400})
        try:
            page_size = max(1, min(1000, int(one("PageSize") or 50)))
            page = max(0, int(one("Page") or 0))
        except ValueError:
            return self.send_json(400, self.state.error_body(400, 20001))

        def day(message):
            return datetime.strptime(message["date_sent"], "%a, %d %b %Y %H:%M:%S %z").strftime("%Y-%m-%d")

        selected = [
            m for m in messages
            if (one("To") is None or m["to"] == one("To"))
            and (one("From") is None or m["from"] == one("From"))
            and (filters["DateSent"] is None or day(m) == filters["DateSent"])
            and (filters["DateSent>"] is None or day(m) >= filters["DateSent>"])
            and (filters["DateSent<"] is None or day(m) <= filters["DateSent<"])
        ]
        start = page * page_size
        chunk = selected[start:start + page_size]

        def page_uri(n):
            params = [(k, v[-1]) for k, v in query.items() if k not in ("Page", "PageToken")]
            params += [("Page", str(n)), ("PageToken", "PA%d" % n)]
            return url.path + "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

        more = start + page_size < len(selected)
        self.send_json(200, {
            "messages": chunk,
            "end": start + len(chunk) - 1 if chunk else 0,
            "first_page_uri": page_uri(0),
            "next_page_uri": page_uri(page + 1) if more else None,
            "page": page,
            "page_size": page_size,
            "previous_page_uri": page_uri(page - 1) if page > 0 else None,
            "start": start,
            "uri": url.path + ("?" + url.query if url.query else ""),
        })

    def fetch_message(self, account, sid):
        if not self.admitted(account):
            return
        with self.state.lock:
            entry = self.state.fetch_program.pop(0) if self.state.fetch_program else None
            found = [m for m in self.state.messages if m["sid"] == sid]
            if entry is None and found:
                self.advance(found[0])
                found = [dict(found[0])]
        if entry:
            status = entry["fetch_status"]
            headers = []
            if "retry_after" in entry:
                headers.append(("Retry-After", str(entry["retry_after"])))
            return self.send_json(status, self.state.error_body(status, entry.get("code")), headers)
        if not found:
            return self.send_json(404, self.state.error_body(404))
        self.send_json(200, found[0])

    def advance(self, message):
        """One step of the message's delivery script (the lock is held)."""
        script = self.state.scripts.get(message["sid"])
        if not script or not script["statuses"]:
            return
        status = script["statuses"][min(script["step"], len(script["statuses"]) - 1)]
        script["step"] += 1
        message["status"] = status
        message["date_updated"] = now_rfc2822()
        if status in ("undelivered", "failed"):
            message["error_code"] = script["error_code"]
            message["error_message"] = script["error_message"]


def main():
    parser = argparse.ArgumentParser(description="Local Twilio Messages API double")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", default=DEFAULT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_TOKEN)
    args = parser.parse_args()

    Handler.state = State(args.account_sid, args.auth_token)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except OSError:
            pass
        server.shutdown()

    threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
