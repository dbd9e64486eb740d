"""The 12345 hotline core: settings, storage, the ticket (工单) lifecycle, clocks, events, auth and the app."""
