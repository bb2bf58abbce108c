# Typing stub for gnet.ssl (its namespace is built from the stdlib's ``ssl`` at
# import): the stdlib's names, with gnet's cooperative SSLSocket and SSLContext.
import ssl as _stdssl
from typing import Any

from gnet.socket import socket as _gsocket

__implements__: list[str]
__imports__: list[str]

class SSLSocket(_stdssl.SSLSocket, _gsocket): ...  # type: ignore[misc]

class SSLContext(_stdssl.SSLContext):
    sslsocket_class: type[SSLSocket]

def create_default_context(purpose: _stdssl.Purpose = ..., *, cafile: str | None = None,
                           capath: str | None = None,
                           cadata: str | bytes | None = None) -> SSLContext: ...
def _create_unverified_context(protocol: int | None = None, *, cert_reqs: int = ...,
                               check_hostname: bool = False, purpose: _stdssl.Purpose = ...,
                               certfile: str | None = None, keyfile: str | None = None,
                               cafile: str | None = None, capath: str | None = None,
                               cadata: str | bytes | None = None) -> SSLContext: ...
def get_server_certificate(addr: tuple[str, int], ssl_version: int = ...,
                           ca_certs: str | None = None, timeout: float = ...) -> str: ...
def wrap_socket(sock: Any, keyfile: str | None = None, certfile: str | None = None,
                server_side: bool = False, cert_reqs: int = ..., ssl_version: int | None = None,
                ca_certs: str | None = None, do_handshake_on_connect: bool = True,
                suppress_ragged_eofs: bool = True, ciphers: str | None = None,
                server_hostname: str | None = None) -> SSLSocket: ...

# The stdlib's names, last: the definitions above take precedence over them.
from ssl import *  # type: ignore[assignment]  # noqa: E402, F403
