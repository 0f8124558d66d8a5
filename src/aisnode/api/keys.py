"""Typed app keys through which handlers reach the services."""

from aiohttp import web

from ..services.context import Services

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
READY: web.AppKey[list[bool]] = web.AppKey("ready", list)
