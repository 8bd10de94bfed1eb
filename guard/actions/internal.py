"""Actions that stay inside the guard: raise alerts in the feed and remember policy state."""

from __future__ import annotations

from guard.actions.registry import ActionContext, executes
from guard.alerts import AlertContext
from policies.base import DeleteState, RaiseAlert, SaveState


@executes(RaiseAlert)
def raise_alert(action: RaiseAlert, ctx: ActionContext) -> str:
    alert_id = ctx.alerts.raise_alert(action.alert, AlertContext(ctx.delivery_id, ctx.organisation))
    return f"alert #{alert_id}"


@executes(SaveState)
def save_state(action: SaveState, ctx: ActionContext) -> str:
    ctx.state.put(action.namespace, action.key, action.value)
    return f"saved {action.namespace} {action.key}"


@executes(DeleteState)
def delete_state(action: DeleteState, ctx: ActionContext) -> str:
    ctx.state.delete(action.namespace, action.key)
    return f"forgot {action.namespace} {action.key}"
