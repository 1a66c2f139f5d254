"""Mail over SMTP: plain for a local relay, STARTTLS or SSL, login optional.

smtplib's timeout bounds each socket call; the shared deadline thread shuts the socket down
once the whole delivery has taken the channel's ``timeout_s``. The Message-ID is made from the
outbox row, so a mail that a kill made us send twice reads as one in a mail client.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from erpconsole.config.channels import ChannelConfig
from erpconsole.i18n import _
from erpconsole.services import deadlines
from erpconsole.services.notify.models import DeliveryError, Rendered
from erpconsole.services.units import duration

REPLY_TEXT = 200  # of a server's reply shown in a message


def build(channel: ChannelConfig, rendered: Rendered, key: str, alert_id: str, person: str | None = None
          ) -> EmailMessage:
    """``person``: the on-call person's address (the route sends to the rota): To is them and
    the channel's own list is copied."""
    msg = EmailMessage()
    msg["Subject"] = rendered.title
    msg["From"] = channel.sender or ""
    team = [a for a in channel.to if a != person]
    msg["To"] = person if person else ", ".join(channel.to)
    if person and team:
        msg["Cc"] = ", ".join(team)
    msg["Date"] = formatdate(localtime=True)
    domain = (channel.sender or "erpconsole@localhost").rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{key}@{domain}>"
    msg["X-Erpconsole-Alert"] = alert_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    msg.set_content(rendered.text)
    return msg


def _context(channel: ChannelConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=channel.ca_file) if channel.ca_file else ssl.create_default_context()


def _abort(smtp: smtplib.SMTP) -> None:
    sock = getattr(smtp, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {text}"[:REPLY_TEXT]


def send(channel: ChannelConfig, message: EmailMessage, password: str | None) -> None:
    host, port, t = channel.smtp_host or "", channel.port, channel.timeout_s
    where = f"{host}:{port}"
    if channel.user and not password:
        raise DeliveryError(_("no password for {user}: store it with `erpconsole secret set {entry}`{env}").format(
            user=channel.user, entry=channel.keyring_name,
            env=_(" or set ${env}").format(env=channel.password_env) if channel.password_env else ""))
    smtp = smtplib.SMTP_SSL(timeout=t, context=_context(channel)) if channel.tls == "ssl" else smtplib.SMTP(timeout=t)
    deadline = deadlines.arm(t, lambda: _abort(smtp))
    try:
        _talk(smtp, channel, message, password)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(_("the mail server at {where} refused the login of {user} ({reply}); check the "
                              "password in keyring {entry}").format(
            where=where, user=channel.user, reply=_reply(exc), entry=channel.keyring_name)) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{to} ({code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text})"
                            for to, (code, text) in exc.recipients.items())
        raise DeliveryError(_("the mail server at {where} refused the recipients: {refused}").format(
            where=where, refused=refused[:REPLY_TEXT])) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(_("the mail server at {where} answered {reply}").format(
            where=where, reply=_reply(exc))) from None
    except ssl.SSLCertVerificationError as exc:  # before OSError, which it is
        raise DeliveryError(_("the certificate of {where} is not trusted ({reason}); give its CA with "
                              "ca_file").format(where=where, reason=exc.verify_message or exc.reason)) from None
    except ConnectionRefusedError:
        raise DeliveryError(_("nothing answers at {where} (connection refused); check smtp_host and "
                              "smtp_port, and that the mail server runs").format(where=where)) from None
    except socket.gaierror as exc:
        raise DeliveryError(_("the name {host} does not resolve ({reason}); check smtp_host").format(
            host=host, reason=exc.strerror)) from None
    except (TimeoutError, socket.timeout, smtplib.SMTPServerDisconnected, OSError) as exc:
        if isinstance(exc, (TimeoutError, socket.timeout)) or not deadline.cancel():
            raise DeliveryError(_("the mail server at {where} did not answer within {t}").format(
                where=where, t=duration(t))) from None
        raise DeliveryError(_("the connection to the mail server at {where} failed: {reason}").format(
            where=where, reason=str(exc)[:REPLY_TEXT] or exc.__class__.__name__)) from None
    finally:
        deadline.cancel()
        try:
            smtp.close()
        except OSError:
            pass


def _talk(smtp: smtplib.SMTP, channel: ChannelConfig, message: EmailMessage, password: str | None) -> None:
    # Made without a host so the deadline is armed before the connect; starttls() and SMTP_SSL
    # check the certificate against _host, which only the constructor sets.
    smtp._host = channel.smtp_host or ""
    smtp.connect(channel.smtp_host or "", channel.port)
    smtp.ehlo_or_helo_if_needed()
    if channel.tls == "starttls":
        if not smtp.has_extn("starttls"):
            raise DeliveryError(_('the mail server at {where} does not offer STARTTLS; use tls = "ssl" if it '
                                  'speaks TLS from the start, or tls = "none" for a relay on this machine').format(
                where=f"{channel.smtp_host}:{channel.port}"))
        smtp.starttls(context=_context(channel))
        smtp.ehlo()
    if channel.user:
        smtp.login(channel.user, password or "")
    smtp.send_message(message)
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass  # accepted already: the mail is on its way
