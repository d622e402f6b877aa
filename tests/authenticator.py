"""An authenticator app for the tests: the codes a phone shows for one TOTP secret."""

from __future__ import annotations

import time

import pyotp

from participation.auth.two_step import INTERVAL


class Authenticator:
    """Hands out the code of a time step the portal still accepts (it takes one step either side of
    now) and has not seen yet (each step works once); when those are used, it waits for the next
    step, as a person waits for the app's next code."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.totp = pyotp.TOTP(secret, interval=INTERVAL)
        self.last_step: int | None = None

    def code(self) -> str:
        """A code that logs in now, used by nobody before."""
        while True:
            now = time.time()
            current = int(now // INTERVAL)
            # The step before now is still taken, unless the portal's clock passes the step's end first.
            earliest = current - 1 if now % INTERVAL < INTERVAL - 10 else current
            step = earliest if self.last_step is None else max(earliest, self.last_step + 1)
            if step <= current + 1:
                self.last_step = step
                return self.totp.generate_otp(step)
            time.sleep(INTERVAL - now % INTERVAL + 0.2)

    def code_used_last(self) -> str:
        """The code handed out last (the portal refuses it a second time)."""
        return self.totp.generate_otp(self.last_step)
