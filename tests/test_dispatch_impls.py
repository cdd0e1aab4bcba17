"""The hookimpls dispatch remembers per plugin manager follow what is registered."""

from __future__ import annotations

from hookmux import hookimpl
from hookmux.routing.dispatch import plugin_impls
from hookmux.routing.plugins import make_plugin_manager


class First:
    @hookimpl
    def hookmux_stop(self) -> None:
        return None


class Second:
    @hookimpl
    def hookmux_stop(self) -> None:
        return None


def test_a_plugin_registered_again_under_its_name_is_looked_up_again() -> None:
    pm = make_plugin_manager()
    first, second = First(), Second()
    pm.register(first, name="p")
    assert [i.function for i in plugin_impls(pm, "hookmux_stop", "p")] == [first.hookmux_stop]
    assert plugin_impls(pm, "hookmux_stop", "p") is plugin_impls(pm, "hookmux_stop", "p")  # remembered
    pm.unregister(name="p")
    assert plugin_impls(pm, "hookmux_stop", "p") == ()
    pm.register(second, name="p")
    assert [i.function for i in plugin_impls(pm, "hookmux_stop", "p")] == [second.hookmux_stop]
    assert plugin_impls(make_plugin_manager(), "hookmux_stop", "p") == ()  # another manager: its own
