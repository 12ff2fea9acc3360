"""19.0.1.2.0: a customer's churn values move from res_partner to crm.churn.partner.score.

Up to 19.0.1.1.0 they were company-dependent columns of res_partner (jsonb keyed by company
id). Each company's values of each scored customer become one row of crm_churn_partner_score,
the partner links to it in that company (crm_churn_score_id), and the old columns are dropped:
the customers keep their scores, levels and reasons until the next nightly scoring.
"""

from odoo.tools import SQL

OLD_COLUMNS = {
    "score": ("crm_churn_score", "float8"),
    "level": ("crm_churn_level", "varchar"),
    "reason_data": ("crm_churn_reason_data", "text"),
    "scored_date": ("crm_churn_scored_date", "date"),
    "p_alive": ("crm_p_alive", "float8"),
    "expected_purchases": ("crm_expected_purchases", "float8"),
    "predicted_clv": ("crm_predicted_clv", "float8"),
}


def move_partner_scores(cr):
    """Moves the values of the old res_partner columns that exist; returns the rows made."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'res_partner' AND column_name = ANY(%s) AND data_type = 'jsonb'",
        [[column for column, _type in OLD_COLUMNS.values()]],
    )
    present = {column for (column,) in cr.fetchall()}
    if "crm_churn_level" not in present:
        return 0
    values = []
    for column, sql_type in OLD_COLUMNS.values():
        if column not in present:
            values.append(SQL("NULL"))
            continue
        value = SQL("(p.%s ->> k.key)::%s", SQL.identifier(column), SQL(sql_type))
        values.append(SQL("COALESCE(%s, 0)", value) if sql_type == "float8" else value)
    cr.execute(
        SQL(
            """
            INSERT INTO crm_churn_partner_score
                   (partner_id, company_id, score, level, reason_data, scored_date, p_alive,
                    expected_purchases, predicted_clv)
            SELECT p.id, c.id, %(values)s
              FROM res_partner p
             CROSS JOIN LATERAL jsonb_each_text(p.crm_churn_level) k
              JOIN res_company c ON c.id::text = k.key
             WHERE k.value IS NOT NULL
            ON CONFLICT (partner_id, company_id) DO NOTHING
            """,
            values=SQL(", ").join(values),
        )
    )
    moved = cr.rowcount
    cr.execute(
        """
        UPDATE res_partner p
           SET crm_churn_score_id = COALESCE(p.crm_churn_score_id, '{}'::jsonb) || l.links
          FROM (SELECT partner_id, jsonb_object_agg(company_id::text, id) AS links
                  FROM crm_churn_partner_score GROUP BY partner_id) l
         WHERE p.id = l.partner_id
        """
    )
    cr.execute(
        SQL(
            "ALTER TABLE res_partner %s",
            SQL(", ").join(
                SQL("DROP COLUMN %s", SQL.identifier(column)) for column in sorted(present)
            ),
        )
    )
    return moved


def migrate(cr, version):
    if not version:
        return
    move_partner_scores(cr)
