"""One HTTP POST with a deadline on the whole exchange and a limit on the answer's size.

``http.client``'s timeout bounds each socket call, not the exchange: a server that trickles a
byte every few seconds would hold the sender for ever. The shared deadline thread shuts the
socket down when the whole delivery has taken ``timeout_s``. Name resolution runs before the
socket exists and is bounded by the system resolver's own timeouts (resolv.conf).
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from erpconsole.guards.urls import mask_url
from erpconsole.i18n import _
from erpconsole.services import deadlines
from erpconsole.services.notify.models import DeliveryError
from erpconsole.services.units import duration

ANSWER_LIMIT = 64 * 1024  # a robot or webhook answers in a few hundred bytes


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes  # at most the limit
    cut: bool = False  # the server sent more than the limit: the rest was not read


def _abort(conn: http.client.HTTPConnection) -> None:
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _proxy(parts) -> tuple[str, int, dict[str, str]] | None:
    """The proxy the environment names for this URL (https_proxy, http_proxy, no_proxy), as
    curl and urllib read them: a console in a company network reaches DingTalk through one."""
    host = parts.hostname or ""
    found = urllib.request.getproxies().get(parts.scheme)
    if not found or host in ("localhost", "::1") or host.startswith("127.") or urllib.request.proxy_bypass(host):
        return None  # a relay or hook on this machine is never behind the company's proxy
    proxy = urlsplit(found if "://" in found else f"http://{found}")
    auth = {}
    if proxy.username:
        pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode("utf-8")
        auth["Proxy-Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return proxy.hostname or "", proxy.port or 8080, auth


def _connection(parts, timeout_s: float, verify_tls: bool):
    """(connection, request target, extra headers) for ``parts``, through the proxy if any."""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    proxy = _proxy(parts)
    if parts.scheme == "https":
        context = ssl.create_default_context()
        if not verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if proxy is None:
            return http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout_s,
                                               context=context), path, {}
        conn = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=timeout_s, context=context)
        conn.set_tunnel(parts.hostname or "", parts.port or 443, headers=proxy[2])  # CONNECT, then TLS
        return conn, path, {}
    if proxy is None:
        return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout_s), path, {}
    target = f"http://{parts.netloc.rpartition('@')[2]}{path}"  # a proxy takes the absolute URL
    return http.client.HTTPConnection(proxy[0], proxy[1], timeout=timeout_s), target, proxy[2]


def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float, *,
         verify_tls: bool = True, shown_url: str | None = None, limit: int = ANSWER_LIMIT) -> Answer:
    """POST ``body`` to ``url``; DeliveryError (no secret in it) when it could not be done.
    ``shown_url`` is the URL as messages may name it (without the tokens filled in)."""
    shown = mask_url(shown_url or url)
    parts = urlsplit(url)
    conn, path, extra = _connection(parts, timeout_s, verify_tls)
    headers = {**extra, **headers}
    deadline = deadlines.arm(timeout_s, lambda: _abort(conn))
    try:
        conn.request("POST", path, body=body, headers={"Content-Length": str(len(body)), **headers})
        response = conn.getresponse()
        data = response.read(limit + 1)
        # The status is in: what was sent was taken or not. A long body is not read on (a robot's
        # sender refuses it, it cannot be its few bytes of JSON; a webhook's 2xx still counts).
        return Answer(response.status, data[:limit], cut=len(data) > limit)
    except DeliveryError:
        raise
    except socket.gaierror as exc:
        raise DeliveryError(_("the name {host} in {url} does not resolve ({reason}); check the url and "
                              "this machine's DNS").format(host=parts.hostname, url=shown, reason=exc.strerror)) from None
    except ConnectionRefusedError:
        raise DeliveryError(_("nothing answers at {url} (connection refused); check the url and that the "
                              "service runs").format(url=shown)) from None
    except ssl.SSLError as exc:
        raise DeliveryError(_("the TLS handshake with {url} failed ({reason}); check the url, or the "
                              "server's certificate").format(url=shown, reason=exc.reason or exc)) from None
    except (TimeoutError, socket.timeout):
        raise DeliveryError(_("{url} did not answer within {t}").format(url=shown, t=duration(timeout_s))) from None
    except (OSError, http.client.HTTPException) as exc:
        if not deadline.cancel():
            raise DeliveryError(_("{url} did not answer within {t}").format(url=shown, t=duration(timeout_s))) from None
        raise DeliveryError(_("the request to {url} failed: {reason}").format(
            url=shown, reason=exc.__class__.__name__ if not str(exc) else str(exc)[:200])) from None
    finally:
        deadline.cancel()
        conn.close()


def answer_text(answer: Answer, limit: int = 300) -> str:
    """The start of an answer's body, for a message: printable, cut short."""
    text = answer.body.decode("utf-8", "replace").strip()
    return text[:limit] + ("…" if len(text) > limit else "")
