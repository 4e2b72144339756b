"""Notify: the only code in ``generator`` that talks to the network.

The command layer (``kb remind --send``) calls it with messages already built by
:mod:`generator.render.reminders` from the reminders :mod:`generator.remind` derived, and with
the webhook URLs, secrets and SMTP URLs it read from the environment. Each channel's delivery
returns a :class:`Delivery`: how many messages went out and, if it failed, why — said without
the URL, whose query or path is the robot's credential.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..finding import Msg


@dataclass(frozen=True)
class Delivery:
    """What one channel did: messages delivered, and the reason it failed (None: it did not)."""

    channel: str
    sent: int
    failure: Msg | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


class SendFailed(Exception):
    """A message could not be delivered; ``reason`` says why in both languages."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(reason.en)
        self.reason = reason
