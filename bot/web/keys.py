"""Typed keys of what the web application holds."""
from aiohttp import web

from bot.rasa_client import RasaClient

RASA = web.AppKey("rasa", RasaClient)
