def reopen_action(wizard, name, **values):
    """The action that shows `wizard` again in its dialog, titled `name`, after a step."""
    return {
        "type": "ir.actions.act_window",
        "res_model": wizard._name,
        "res_id": wizard.id,
        "view_mode": "form",
        "target": "new",
        "name": name,
        **values,
    }
