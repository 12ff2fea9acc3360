from odoo import fields, models

from .lifecycle_data import RFM_SCORE_MAX, RFM_SCORE_MIN


class CrmRfmSegment(models.Model):
    _name = "crm.rfm.segment"
    _description = "RFM Segment"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="The first segment whose ranges match applies.")
    active = fields.Boolean(default=True)
    color = fields.Integer()
    r_min = fields.Integer(string="Recency from", default=RFM_SCORE_MIN, required=True)
    r_max = fields.Integer(string="Recency to", default=RFM_SCORE_MAX, required=True)
    f_min = fields.Integer(string="Frequency from", default=RFM_SCORE_MIN, required=True)
    f_max = fields.Integer(string="Frequency to", default=RFM_SCORE_MAX, required=True)
    description = fields.Text(translate=True, help="Who these customers are and how to treat them.")

    _score_ranges_valid = models.Constraint(
        f"CHECK(r_min BETWEEN {RFM_SCORE_MIN} AND {RFM_SCORE_MAX}"
        f" AND r_max BETWEEN {RFM_SCORE_MIN} AND {RFM_SCORE_MAX}"
        f" AND f_min BETWEEN {RFM_SCORE_MIN} AND {RFM_SCORE_MAX}"
        f" AND f_max BETWEEN {RFM_SCORE_MIN} AND {RFM_SCORE_MAX}"
        " AND r_min <= r_max AND f_min <= f_max)",
        "Recency and frequency ranges must run from a lower to a higher score between 1 and 5.",
    )

    def _get_matcher(self):
        """Returns a function (r, f) -> segment id, first match by sequence, over active ones."""
        grid = {}
        for segment in self.search([], order="sequence, id"):
            for r in range(segment.r_min, segment.r_max + 1):
                for f in range(segment.f_min, segment.f_max + 1):
                    grid.setdefault((r, f), segment.id)
        return lambda r, f: grid.get((r, f)) if r and f else None
