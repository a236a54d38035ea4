"""/tls: how to make the school's devices trust the journal's https (the school's own CA,
issue #10), and /tls/ca.crt, the CA certificate to install. Public: a device needs them
before anyone signs in on it."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.tls import tls_files

from ..security import PUBLIC, current_user


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


class TlsController(Controller):
    @get("/tls", opt={"roles": PUBLIC}, sync_to_thread=True)
    def trust(self, request: Request) -> Template:
        files = tls_files(_journal(request).data_dir.path)
        return Template(
            "tls/trust.html",
            context={"user": current_user(request), "has_ca": files.ca_cert.exists()},
        )

    @get("/tls/ca.crt", opt={"roles": PUBLIC}, sync_to_thread=True)
    def ca(self, request: Request) -> Response[bytes]:
        files = tls_files(_journal(request).data_dir.path)
        if not files.ca_cert.exists():
            return Response(b"", status_code=404)
        return Response(
            files.ca_cert.read_bytes(),
            media_type="application/x-x509-ca-cert",
            headers={"Content-Disposition": 'attachment; filename="ejournal-school-ca.crt"'},
        )
