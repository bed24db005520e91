"""Every dialogue, command handler and button prefix is wired in handlers/registry.py."""

from __future__ import annotations

import importlib
import pkgutil

import handlers
from handlers.registry import FLOWS, MENU, build_routes


def test_every_flow_defined_in_handlers_is_registered() -> None:
    defined = {}
    for info in pkgutil.iter_modules(handlers.__path__):
        module = importlib.import_module(f"handlers.{info.name}")
        for value in vars(module).values():
            is_flow = all(hasattr(value, a) for a in ("on_input", "reprompt", "name"))
            if is_flow and not isinstance(value, type):
                defined[value.name] = value
    routes = build_routes()
    assert set(defined) == set(routes.flows), set(defined) ^ set(routes.flows)
    assert len(FLOWS) == len(routes.flows), "two flows share a name"


def test_menu_commands_exist() -> None:
    routes = build_routes()
    assert set(MENU) <= set(routes.commands)
