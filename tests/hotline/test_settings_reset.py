"""One place forgets every package's cached settings: a test that changes the environment resets them all."""

import sys

import hotline.app  # noqa: F401  (loads every package, as the server does)
from hotline.settings import _CACHED, reset_all_settings


def _getters() -> dict[str, object]:
    found = {}
    for name, module in list(sys.modules.items()):
        if name.endswith(".settings") and module is not None:
            for attr, value in vars(module).items():
                if attr.startswith("get_") and attr.endswith("settings") and callable(value):
                    found[f"{name}.{attr}"] = value
    return found


def test_every_packages_settings_are_reset_by_the_one_call(monkeypatch):
    getters = _getters()
    assert len(getters) >= 7, sorted(getters)
    for name, getter in getters.items():
        assert getter in _CACHED, f"{name} is cached outside hotline.settings.cached_settings"
    before = {name: getter() for name, getter in getters.items()}
    monkeypatch.setenv("HOTLINE_LINKAGE_110_URL", "http://10.1.2.3:9110")
    reset_all_settings()
    after = {name: getter() for name, getter in getters.items()}
    assert all(after[name] is not before[name] for name in getters)
    assert after["routing.linkage.settings.get_linkage_settings"].url("110") == "http://10.1.2.3:9110"
    monkeypatch.undo()
    reset_all_settings()
