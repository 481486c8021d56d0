"""Pages of notifications: the one-tap acknowledge confirm page, the delivery log, and
people's contact points and preferences (their routes join one blueprint)."""

from web.notify import profile as profile  # noqa: E402  (registers its routes on the blueprint)
