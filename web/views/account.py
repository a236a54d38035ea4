"""Signing in and out, and passwords: one's own change and the forced change of an issued one."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from ejournal.auth import AuthError, AuthStore

from ..security import COOKIE, PUBLIC, SIGNED_IN, current_user

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


# Login CSRF: there is no session before signing in, so the sign-in form's token is also kept
# in a cookie of its own (double submit). A page of another site cannot read or set that cookie,
# so it cannot sign a browser into someone else's account.
LOGIN_COOKIE = "ejournal_login_csrf"
LOGIN_TOKEN_BYTES = 24
STALE_FORM = "Форма входа устарела. Введите логин и пароль ещё раз."


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _login_token(request: Request) -> str:
    """The browser's sign-in token: the one in its cookie if well-formed, else a new one."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    if 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum():
        return token
    return secrets.token_urlsafe(LOGIN_TOKEN_BYTES)


def _login_form(request: Request, error: str, login: str, status: int) -> Template:
    """The sign-in page, with its CSRF token in the form and in the cookie."""
    token = _login_token(request)
    page = Template(
        "login.html",
        context={"user": None, "error": error, "login": login, "login_csrf": token},
        status_code=status,
    )
    page.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        secure=request.app.state.get("secure_cookies", True),
        samesite="strict",
        path="/login",
    )
    return page


class AccountController(Controller):
    """/login, /logout, /password."""

    @get("/login", opt={"roles": PUBLIC}, sync_to_thread=True)
    def login_page(self, request: Request) -> Template:
        return _login_form(request, "", "", 200)

    @post("/login", opt={"roles": PUBLIC}, sync_to_thread=True)
    def login(self, request: Request, data: Annotated[dict[str, str], Form]) -> Response[Any]:
        auth: AuthStore = request.app.state.auth
        login = str(data.get("login", ""))[:100]
        sent, kept = str(data.get("csrf", "")), request.cookies.get(LOGIN_COOKIE, "")
        if not sent or not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
            return _login_form(request, STALE_FORM, login, 403)  # the password is not checked
        try:
            person = auth.verify_login(login, str(data.get("password", "")), _address(request))
        except AuthError as e:
            status = 429 if e.code == "login_throttled" else 401
            return _login_form(request, e.message_ru, login, status)
        signed = auth.create_session(person)
        target = "/password" if signed.session.must_change else "/"
        response = Redirect(target, status_code=303)
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        response.set_cookie(
            COOKIE,
            signed.token,
            httponly=True,
            secure=request.app.state.get("secure_cookies", True),
            samesite="lax",
            path="/",
        )
        return response

    @post("/logout", opt={"roles": SIGNED_IN, "while_must_change": True}, sync_to_thread=True)
    def logout(self, request: Request) -> Response[Any]:
        request.app.state.auth.end_session(request.cookies.get(COOKIE))
        response = Redirect("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @get("/password", opt={"roles": SIGNED_IN, "while_must_change": True}, sync_to_thread=True)
    def password_page(self, request: Request) -> Template:
        return _password(request, "", 200)

    @post("/password", opt={"roles": SIGNED_IN, "while_must_change": True}, sync_to_thread=True)
    def change_password(
        self, request: Request, data: Annotated[dict[str, str], Form]
    ) -> Response[Any]:
        user = current_user(request)
        assert user is not None
        auth: AuthStore = request.app.state.auth
        new = str(data.get("new", ""))
        if new != str(data.get("repeat", "")):
            return _password(request, "Новый пароль и повтор не совпадают.", 422)
        try:
            auth.change_password(user.person, str(data.get("old", "")), new)
        except AuthError as e:
            return _password(request, e.message_ru, 422)
        # Changing the password ended every session: start a fresh one for this browser.
        signed = auth.create_session(user.person)
        response = Redirect("/?changed=1", status_code=303)
        response.set_cookie(
            COOKIE,
            signed.token,
            httponly=True,
            secure=request.app.state.get("secure_cookies", True),
            samesite="lax",
            path="/",
        )
        return response


def _password(request: Request, error: str, status: int) -> Template:
    user = current_user(request)
    return Template(
        "password.html",
        context={"user": user, "error": error, "forced": bool(user and user.session.must_change)},
        status_code=status,
    )
