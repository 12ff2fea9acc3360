def post_init_hook(env):
    """The companies already there when the addon is installed start today, each in its own
    time zone: their customers until now are existing customers (see crm_start_date)."""
    for company in env["res.company"].with_context(active_test=False).search([]):
        company.crm_start_date = company._crm_today()
