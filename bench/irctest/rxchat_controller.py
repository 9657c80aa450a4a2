"""irctest controller for rxchat: starts the server from this repository's dist/.

Not part of irctest: bench/irctest/run.sh puts this folder on PYTHONPATH and runs
irctest with `--controller rxchat_controller`. The repository is found from this
file's location (or RXCHAT_DIR); `npm run -s build` must have run first.
"""

import os
from pathlib import Path
from typing import Optional, Type

from irctest.basecontrollers import BaseServerController
from irctest.runner import NotImplementedByController

RXCHAT_DIR = Path(os.environ.get("RXCHAT_DIR") or Path(__file__).resolve().parents[2])


class RxchatController(BaseServerController):
    software_name = "rxchat"
    supported_sasl_mechanisms: set = set()
    supports_sts = False

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
        websocket_hostname: Optional[str],
        websocket_port: Optional[int],
    ) -> None:
        # Skipped, not failed: rxchat has no server password, no TLS-only
        # listener for irctest to point at, no services and no IRC WebSocket.
        if password is not None:
            raise NotImplementedByController("PASS")
        if ssl:
            raise NotImplementedByController("TLS")
        if run_services:
            raise NotImplementedByController("services")
        if websocket_hostname is not None or websocket_port is not None:
            raise NotImplementedByController("Websocket")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        server = RXCHAT_DIR / "dist" / "cli" / "server.js"
        if not server.exists():
            raise RuntimeError(f"{server} is missing: run `npm run -s build` in {RXCHAT_DIR}")
        self.proc = self.execute(
            [
                "node",
                server,
                "--host", hostname,
                "--irc-port", str(port),
                "--port", "0",  # the plain chat port: any free one, unused here
                "--no-http",
                "--server-name", "My.Little.Server",
                # irctest connects many clients from one address, quickly, and
                # floods on purpose in a few tests: the limits for the open
                # internet would refuse it before any test ran.
                "--rate", "0",
                "--connect-rate", "0",
                "--max-clients-per-ip", "0",
                "--quiet",
            ],
            proc_name="rxchat",
        )


def get_irctest_controller_class() -> Type[RxchatController]:
    return RxchatController
