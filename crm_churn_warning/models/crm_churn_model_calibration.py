from odoo import fields, models


class CrmChurnModelCalibration(models.Model):
    """One group of customers of a purchase model's calibration: the model fitted on the
    history up to the calibration date predicted their orders of the days that followed, up
    to the model's history date; the line puts that prediction next to the orders placed."""

    _name = "crm.churn.model.calibration"
    _description = "Churn Purchase Model Calibration"
    _order = "model_id, decile"

    model_id = fields.Many2one(
        "crm.churn.model", string="Purchase Model", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="model_id.company_id", store=True)
    decile = fields.Integer(
        string="Tenth",
        help="The customers of the calibration date ranked by the orders the model expected "
        "of them, in ten groups of equal size: 1 the fewest, 10 the most.",
    )
    customer_count = fields.Integer(string="Customers")
    predicted_low = fields.Float(
        string="Expected From",
        digits=(16, 2),
        help="The fewest orders the model expected of one customer of the group.",
    )
    predicted_high = fields.Float(
        string="Expected Up To",
        digits=(16, 2),
        help="The most orders the model expected of one customer of the group.",
    )
    predicted_orders = fields.Float(
        digits=(16, 1),
        aggregator="sum",
        help="The orders the model fitted on the older history expected of the group's "
        "customers (orders of one customer on one day count once).",
    )
    actual_orders = fields.Integer(
        aggregator="sum",
        help="The days the group's customers ordered on in the same period.",
    )
