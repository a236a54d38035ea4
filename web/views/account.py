"""Signing in and out, and passwords: one's own change and the forced change of an issued one."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from ejournal.auth import AuthError, AuthStore

from ..security import COOKIE, PUBLIC, SIGNED_IN, current_user

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


class AccountController(Controller):
    """/login, /logout, /password."""

    @get("/login", opt={"roles": PUBLIC}, sync_to_thread=True)
    def login_page(self, request: Request) -> Template:
        return Template("login.html", context={"user": None, "error": "", "login": ""})

    @post("/login", opt={"roles": PUBLIC}, sync_to_thread=True)
    def login(self, request: Request, data: Annotated[dict[str, str], Form]) -> Response[Any]:
        auth: AuthStore = request.app.state.auth
        login = str(data.get("login", ""))[:100]
        try:
            person = auth.verify_login(login, str(data.get("password", "")), _address(request))
        except AuthError as e:
            return Template(
                "login.html",
                context={"user": None, "error": e.message_ru, "login": login},
                status_code=429 if e.code == "login_throttled" else 401,
            )
        signed = auth.create_session(person)
        target = "/password" if signed.session.must_change else "/"
        response = Redirect(target, status_code=303)
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
