"""Talking to the Rasa server from a channel process (the web server, the Telegram bridge): a user's
message over the REST channel, with the channel name that tickets and handoffs record, and the
conversation state for the console's assist mode."""
from __future__ import annotations

from urllib.parse import quote

import aiohttp

from actions import settings
from bot.channels.guard import CHANNEL_TOKEN_HEADER


class RasaUnavailable(RuntimeError):
    pass


class RasaClient:
    def __init__(self, base_url: str, timeout: float = 60, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token if token is not None else settings.rasa_token()
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    async def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=self.timeout)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def send(self, sender: str, text: str, channel: str, metadata: dict | None = None) -> list[dict]:
        """The assistant's messages for one user message; RasaUnavailable if it cannot answer."""
        body = {"sender": sender, "message": text, "input_channel": channel, "metadata": metadata or {}}
        try:
            http = await self._session()
            # The platform's channels prove who they are, so their conversation ids cannot be borrowed
            # by other REST callers (bot/channels/guard.py).
            headers = {CHANNEL_TOKEN_HEADER: self.token} if self.token else None
            async with http.post(f"{self.base_url}/webhooks/rest/webhook", json=body, headers=headers) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"rasa answered {resp.status}")
                messages = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailable(str(exc)) from exc
        if not isinstance(messages, list):
            raise RasaUnavailable(f"unexpected answer: {type(messages).__name__}")
        return [m for m in messages if isinstance(m, dict)]

    async def tracker(self, sender: str) -> dict:
        """The conversation state (latest intent, active form, slots) from Rasa's HTTP API."""
        try:
            http = await self._session()
            url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker?include_events=NONE"
            params = {"token": self.token} if self.token else None
            async with http.get(url, params=params) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"rasa answered {resp.status}")
                return await resp.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaUnavailable(str(exc)) from exc
