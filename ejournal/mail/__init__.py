"""E-mail digests for parents (R-DIA-3): SMTP settings (``config``), the local subscriptions and
outbox (``store``), what a digest says (``digest``) and the queue that builds and delivers them
with retries (``outbox``). Nothing here is in the log: see docs/adr/0005-mail-is-local.md."""

from .config import MailConfig, MailConfigError, load_config
from .store import MailStore, Subscription

__all__ = ["MailConfig", "MailConfigError", "MailStore", "Subscription", "load_config"]
