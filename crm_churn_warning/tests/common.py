from contextlib import ExitStack, contextmanager
from datetime import date, datetime, time, timedelta
from unittest.mock import patch

from odoo.addons.crm_churn_warning.models import crm_churn_engine
from odoo.addons.crm_lifecycle_tiering.tests.common import (
    CrmCase,
    insert_orders,
    make_company_user,
)

AS_OF = date(2026, 6, 30)


def logged_events(warning, subtype_xmlid):
    """The messages of a subtype logged on a warning, oldest first, each as {field name: (old
    value, new value)} of its tracked values (selections by their label, dates as
    YYYY-MM-DD): what the chatter shows each reader in their own language."""
    subtype = warning.env.ref(subtype_xmlid)
    events = []
    for message in warning.message_ids.filtered(lambda m: m.subtype_id == subtype).sorted("id"):
        values = {}
        for tracking in message.sudo().tracking_value_ids:
            ftype = tracking.field_id.ttype
            values[tracking.field_id.name] = (
                tracking._format_display_value(ftype, new=False)[0],
                tracking._format_display_value(ftype, new=True)[0],
            )
        events.append(values)
    return events


def scoring_row(partner, level, score, reasons=(), **values):
    """A scoring row as crm.churn.engine._score_company hands it to the warnings: `partner`'s
    score and level, its reasons ({signal_id, code, value, details, weight}) and their reason
    data; `values` gives the other keys (without: no purchase model figures, salesperson,
    tier, stage or last order date)."""
    reasons = list(reasons)
    return {
        "partner_id": partner.id,
        "score": score,
        "level": level,
        "reasons": reasons,
        "reason_data": [[r["code"], r["details"]] for r in reasons],
        "p_alive": None,
        "expected_purchases": None,
        "predicted_clv": None,
        "user_id": None,
        "tier_id": None,
        "stage": None,
        "last_order_date": None,
        **values,
    }


def set_churn_values(partner, company, **values):
    """Stores `partner`'s churn values in `company` as the scoring engine does (by SQL, in
    crm.churn.partner.score): `values` by that model's column (score, level, reason_data…),
    the others as a customer no longer scored keeps them."""
    values = {**crm_churn_engine.CLEARED_VALUES, **values}
    if isinstance(values["scored_date"], date):
        values["scored_date"] = values["scored_date"].isoformat()
    env = partner.env
    row = (
        env["crm.churn.partner.score"]
        .sudo()
        .search([("partner_id", "=", partner.id), ("company_id", "=", company.id)])
    )
    Engine = env["crm.churn.engine"].sudo()
    if row:
        Engine._write_scores(company, updates=[(row.id, values)])
    else:
        Engine._write_scores(company, inserts=[(partner.id, values)])


class ChurnCase(CrmCase):
    """A company of its own (demo data never interferes), its users, a product, and helpers
    that make customers with confirmed orders, complaints, satisfaction answers and contacts at
    given dates, and run the scoring engine as of a date with the purchase model and the
    warnings replaced by stand-ins (see patch_model and patch_warnings)."""

    AS_OF = AS_OF

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        cls.company = cls.env["res.company"].create(
            {"name": "Churn Test Co", "currency_id": cls.usd.id}
        )
        cls.company.partner_id.lang = "en_US"
        cls.env.user.company_ids |= cls.company
        cls.churn_user = make_company_user(
            cls.env,
            "churn_engine_user",
            "sales_team.group_sale_salesman,crm_churn_warning.crm_churn_warning_group_user",
            cls.company,
        )
        cls.churn_manager = make_company_user(
            cls.env,
            "churn_engine_manager",
            "sales_team.group_sale_manager,crm_churn_warning.crm_churn_warning_group_manager",
            cls.company,
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Churn Consulting Day", "type": "service", "list_price": 100}
        )
        cls.engine = cls.env["crm.churn.engine"]
        cls.Signal = cls.env["crm.churn.signal"]
        cls.signals = {
            signal.code: signal
            for signal in cls.Signal.with_context(active_test=False).search(
                [("company_id", "=", False)]
            )
        }

    # ------------------------------------------------------------------ data
    @classmethod
    def make_orders(cls, partner, days, amount=100.0, company=None, state="sale"):
        """Confirmed sale orders of `partner` (or of one of its contacts) on the given dates,
        inserted set-wise (headers only: the engines read order dates and untaxed amounts).
        `amount` is one figure for every order or a list, one per date."""
        amounts = amount if isinstance(amount, list | tuple) else [amount] * len(days)
        insert_orders(
            cls.env,
            company or cls.company,
            [(partner, day, value) for day, value in zip(days, amounts, strict=True)],
            prefix="CHURN-TEST",
            state=state,
            hour=10,
        )

    @classmethod
    def every(cls, start, step, count):
        """`count` dates from `start`, `step` days apart."""
        return [start + timedelta(days=step * i) for i in range(count)]

    @classmethod
    def make_complaint(
        cls, partner, reported, priority="1", closed_on=None, breached_on=None, company=None
    ):
        """A complaint reported on a date; closed on `closed_on` (else open), past its SLA from
        `breached_on` (else without SLA status)."""
        company = company or cls.company
        complaint = (
            cls.env["crm.complaint"]
            .with_company(company)
            .create(
                {
                    "name": f"Complaint of {partner.name}",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "priority": priority,
                    "reported_date": datetime.combine(reported, time(9, 0)),
                }
            )
        )
        closed_stage = cls.env.ref("crm_satisfaction.crm_complaint_stage_closed")
        open_stage = cls.env.ref("crm_satisfaction.crm_complaint_stage_new")
        cls.env.flush_all()
        cls.env.cr.execute(
            """
            UPDATE crm_complaint
               SET stage_id = %s, is_closed = %s, closed_date = %s, sla_status = %s,
                   sla_breached_date = %s, priority = %s
             WHERE id = %s
            """,
            [
                (closed_stage if closed_on else open_stage).id,
                bool(closed_on),
                closed_on and datetime.combine(closed_on, time(15, 0)),
                "breached" if breached_on else None,
                breached_on and datetime.combine(breached_on, time(12, 0)),
                priority,
                complaint.id,
            ],
        )
        complaint.invalidate_recordset()
        return complaint

    @classmethod
    def make_response(cls, partner, day, csat=None, nps=None, company=None):
        company = company or cls.company
        Response = cls.env["crm.satisfaction.response"]
        scores = {}
        if csat is not None:
            scores["csat"] = csat
        if nps is not None:
            scores["nps"] = nps
        return Response.create(
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "date": day,
                **Response._prepare_score_values(scores),
            }
        )

    @classmethod
    def make_message(cls, partner, day, message_type="comment", author=None):
        return cls.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": partner.id,
                "message_type": message_type,
                "body": "Called about the next order",
                "author_id": (author or cls.churn_user.partner_id).id,
                "date": datetime.combine(day, time(11, 0)),
            }
        )

    @classmethod
    def make_meeting(cls, partner, day):
        start = datetime.combine(day, time(14, 0))
        return cls.env["calendar.event"].create(
            {
                "name": f"Meeting with {partner.name}",
                "start": start,
                "stop": start + timedelta(hours=1),
                "partner_ids": [(6, 0, partner.ids)],
            }
        )

    # ------------------------------------------------------------------ signals
    def only_signals(self, *codes, **weights):
        """Keeps the shared signals of these codes active (all when none given), archives the
        others; weights={code: weight} changes weights."""
        for code, signal in self.signals.items():
            signal.active = not codes or code in codes
            if code in weights:
                signal.weight = weights[code]

    # ------------------------------------------------------------------ stand-ins
    @contextmanager
    def patch_model(self, params=None, predictions=None):
        """The company's purchase model: `params` (None: not fitted) and `predictions`
        {partner id: (p_alive, expected purchases, predicted CLV)}."""
        Model = type(self.env["crm.churn.model"])
        calls = {"predict": [], "fit_if_due": []}

        def get_params(model, company):
            return params

        def fit_params(model, company, as_of):
            return params, "stand-in"

        def predict(model, company, as_of, given, summary=None):
            calls["predict"].append((company, as_of, given, summary))
            return dict(predictions or {}) if given is not None else {}

        def fit_if_due(model, company, as_of):
            calls["fit_if_due"].append((company, as_of))
            return model.browse()

        with ExitStack() as stack:
            for name, method in (
                ("_get_params", get_params),
                ("_fit_params", fit_params),
                ("_predict", predict),
                ("_fit_if_due", fit_if_due),
            ):
                stack.enter_context(patch.object(Model, name, method))
            yield calls

    @contextmanager
    def patch_warnings(self):
        """Records the calls to the warnings: {"sync": [(company, as_of, rows)], "close": [...]}."""
        Warning = type(self.env["crm.churn.warning"])
        calls = {"sync": [], "close": []}

        def sync_scores(warning, company, as_of, rows):
            calls["sync"].append((company, as_of, list(rows)))
            return {"created": 0, "escalated": 0, "updated": 0}

        def close_outcomes(warning, company, as_of):
            calls["close"].append((company, as_of))

        with (
            patch.object(Warning, "_sync_scores", sync_scores),
            patch.object(Warning, "_close_outcomes", close_outcomes),
        ):
            yield calls

    @contextmanager
    def batch_size(self, size):
        with patch.object(crm_churn_engine, "BATCH_SIZE", size):
            yield

    # ------------------------------------------------------------------ running
    def score(self, as_of=None, company=None, params=None, predictions=None, **kwargs):
        """A real run (writes the partners) as of a date; returns the engine's result with the
        rows handed to the warnings under "synced"."""
        with self.patch_model(params, predictions), self.patch_warnings() as calls:
            result = self.engine._score_company(
                company or self.company, as_of=as_of or self.AS_OF, **kwargs
            )
        result["synced"] = [row for _c, _d, rows in calls["sync"] for row in rows]
        return result

    def evaluate(self, as_of=None, company=None, params=None, predictions=None, **kwargs):
        """A dry run: {partner id: row}."""
        with self.patch_model(params, predictions), self.patch_warnings():
            result = self.engine._score_company(
                company or self.company, as_of=as_of or self.AS_OF, dry_run=True, **kwargs
            )
        return {row["partner_id"]: row for row in result["results"]}

    def stored(self, partner, company=None):
        return partner.with_company(company or self.company)
