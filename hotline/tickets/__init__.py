"""The ticket (工单): its model, lifecycle, numbers, history, clocks sweep and routes."""
