"""A home device's label for parents and teachers ("Chrome op Android"), from its User-Agent.

ua-parser (the Python port of the uap-core rules, updated monthly as ua-parser-builtins) knows
the browsers and systems families use; a hand-written rule would fall behind with every new
browser. Only the label is kept, never the User-Agent itself.
"""

from django.utils.translation import gettext
from ua_parser import parse

# ua-parser names a browser's mobile build apart ("Chrome Mobile", "Mobile Safari"); a parent
# knows it as the browser.
_BROWSER_NAMES = {"Mobile Safari": "Safari", "Mobile Safari UI/WKWebView": "Safari",
                  "Chrome Mobile": "Chrome", "Chrome Mobile iOS": "Chrome",
                  "Chrome Mobile WebView": "Chrome", "Firefox Mobile": "Firefox",
                  "Firefox iOS": "Firefox", "Edge Mobile": "Edge", "HeadlessChrome": "Chromium"}
_SYSTEM_NAMES = {"Mac OS X": "macOS"}
MAX_USER_AGENT = 1000  # longer is no browser; it is not parsed


def device_label(user_agent):
    """"Chrome op Android", "Safari op iPad", or "" when the User-Agent says nothing useful.
    Stored in Dutch and translated when shown (device_label_display)."""
    if not user_agent or len(user_agent) > MAX_USER_AGENT:
        return ""
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    if result.device and result.device.family == "iPad":
        system = "iPad"
    browser = _BROWSER_NAMES.get(browser, browser)
    system = _SYSTEM_NAMES.get(system, system)
    if browser in ("", "Other"):
        return system if system not in ("", "Other") else ""
    if system in ("", "Other"):
        return browser
    return f"{browser} | {system}"


def device_label_display(label):
    """The stored label ("Chrome | Android") in the reader's language: "Chrome op Android"."""
    browser, sep, system = (label or "").partition(" | ")
    if not browser:
        return gettext("onbekend apparaat")
    if not sep:
        return browser
    return gettext("%(browser)s op %(system)s") % {"browser": browser, "system": system}
