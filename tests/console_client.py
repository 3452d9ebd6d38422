"""A signed-in staff console for tests: the real web application on a test server, an aiohttp
client with its cookie jar, and the CSRF token read from the page like a browser would."""
from __future__ import annotations

import re

from aiohttp.test_utils import TestClient, TestServer

from bot.web.app import make_app

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)"')
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


class Console:
    def __init__(self, client: TestClient):
        self.client, self.csrf = client, ""

    async def login(self, username: str, password: str):
        page = await self.client.get("/console/login")
        token = CSRF_FIELD.search(await page.text()).group(1)
        resp = await self.client.post("/console/login", data={"username": username, "password": password,
                                                               "csrf_token": token, "next": "/console/"})
        html = await resp.text()
        found = CSRF_META.search(html)
        self.csrf = found.group(1) if found else ""
        return resp, html

    async def get(self, path: str, **kw):
        return await self.client.get(path, **kw)

    async def post(self, path: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self.csrf
        return await self.client.post(path, data=data, **kw)

    async def api(self, method: str, path: str, body: dict | None = None, csrf: bool = True):
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        resp = await self.client.request(method, path, json=body, headers=headers)
        return resp.status, await resp.json()


async def console_client(rasa_url: str = "http://127.0.0.1:9"):
    client = TestClient(TestServer(make_app(rasa_url)))
    await client.start_server()
    return Console(client)
