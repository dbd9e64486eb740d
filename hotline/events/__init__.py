"""The event bus: every change of a ticket, call or agent is an event that reaches every page that should see it."""

from hotline.events.bus import Event, EventBus, Subscription, get_bus, publish_after_commit, set_bus

__all__ = ["Event", "EventBus", "Subscription", "get_bus", "publish_after_commit", "set_bus"]
