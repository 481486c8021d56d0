"""Pages of notifications: the one-tap acknowledge confirm page, the delivery log, people's
contact points and preferences, and the demo's mailbox (their routes join one blueprint)."""

from web.notify import mailbox as mailbox  # noqa: E402  (registers its routes on the blueprint)
from web.notify import profile as profile  # noqa: E402
