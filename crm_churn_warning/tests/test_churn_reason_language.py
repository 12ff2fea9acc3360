"""Explanations in the reader's language: the scoring stores codes and figures, and each
reader reads the customer's reasons, a warning's reasons, the managers' message, the
instructions of a retention activity and the export in their own language, numbers, amounts
and dates formatted as that language formats them."""

import base64
import io
import json
import re
from datetime import timedelta

from openpyxl import load_workbook

from odoo.addons.crm_churn_warning.models import churn_data
from odoo.addons.crm_lifecycle_tiering.tests.common import make_company_user

from .common import set_churn_values
from .test_churn_warning import WarningCase

ENGLISH = (
    "No order for 1,234 days; usual interval 31 days\n"
    "Spend down 90% in the last 90 days: $\xa01,234.25 against $\xa012,345.50 the 90 days before"
)


class TestReasonLanguage(WarningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fr = cls.env["res.lang"]._activate_lang("fr_FR")
        cls.usd = cls.env.ref("base.USD")
        cls.company.currency_id = cls.usd

    def big_row(self, partner, level=churn_data.LEVEL_HIGH, score=80.0, tier=None):
        """A scoring row whose reasons carry thousands and decimals."""
        row = self.make_row(partner, level, score, tier=tier)
        row["reasons"] = [
            {
                "signal_id": self.signal_overdue.id,
                "code": churn_data.SIGNAL_OVERDUE,
                "value": 1234.0,
                "details": [[churn_data.REASON_OVERDUE, {"days": 1234, "interval": 30.75}]],
                "weight": 3.0,
            },
            {
                "signal_id": False,
                "code": churn_data.SIGNAL_SPEND_DROP,
                "value": 90.0,
                "details": [
                    [
                        churn_data.REASON_SPEND_DROP,
                        {
                            "drop": 90.0,
                            "days": 90,
                            "recent": 1234.25,
                            "before": 12345.5,
                            "currency_id": self.usd.id,
                        },
                    ]
                ],
                "weight": 2.0,
            },
        ]
        row["reason_data"] = [[r["code"], r["details"]] for r in row["reasons"]]
        return row

    def test_warning_reasons_in_each_readers_language(self):
        customer = self.make_customer("Big Lapsed Buyer", user=self.salesperson)
        self.sync([self.big_row(customer)])
        warning = self.warnings_of(customer)
        english = warning.with_context(lang="en_US")
        self.assertEqual(english.reason_text, ENGLISH)
        self.assertEqual(english.line_ids.mapped("text"), ENGLISH.split("\n"))
        # the same stored codes read by a French user: 1 234 days, $ 1 234,25
        french = warning.with_context(lang="fr_FR")
        self.assertEqual(
            french.line_ids.mapped("text"),
            [
                "No order for 1\xa0234 days; usual interval 31 days",
                "Spend down 90% in the last 90 days: $\xa01\xa0234,25 against $\xa012\xa0345,50 "
                "the 90 days before",
            ],
        )
        self.assertEqual(french.reason_text, "\n".join(french.line_ids.mapped("text")))
        # nothing in words is stored
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT details::text FROM crm_churn_warning_line WHERE warning_id = %s ORDER BY id",
            [warning.id],
        )
        stored = [json.loads(details) for (details,) in self.env.cr.fetchall()]
        self.assertEqual(stored, warning.line_ids.mapped("details"))
        self.assertNotIn("No order", json.dumps(warning.reason_data))

    def test_customer_reasons_in_each_readers_language(self):
        customer = self.make_customer("Big Customer", user=self.salesperson)
        document = self.big_row(customer)["reason_data"]
        set_churn_values(
            customer, self.company, reason_data=json.dumps(document), level=churn_data.LEVEL_HIGH
        )
        in_company = customer.with_company(self.company)
        self.assertEqual(in_company.with_context(lang="en_US").crm_churn_reasons, ENGLISH)
        self.assertIn(
            "No order for 1\xa0234 days",
            in_company.with_context(lang="fr_FR").crm_churn_reasons,
        )

    def test_chinese_reader_reads_no_english(self):
        """Every reason in Simplified Chinese, from the addon's translations: no English word
        (SLA aside) is left, and the figures are the Chinese way's (1,234 and $ 1,234.25)."""
        self.env["res.lang"]._activate_lang("zh_CN")
        usd = self.usd.id
        document = [
            [
                churn_data.SIGNAL_OVERDUE,
                [[churn_data.REASON_OVERDUE, {"days": 1234, "interval": 30.0}]],
            ],
            [
                churn_data.SIGNAL_OVERDUE,
                [[churn_data.REASON_OVERDUE_MEDIAN, {"days": 70, "interval": 41.0}]],
            ],
            [
                churn_data.SIGNAL_SPEND_DROP,
                [
                    [
                        churn_data.REASON_SPEND_DROP,
                        {
                            "drop": 90.0,
                            "days": 90,
                            "recent": 1234.25,
                            "before": 12345.5,
                            "currency_id": usd,
                        },
                    ]
                ],
            ],
            [
                churn_data.SIGNAL_FREQUENCY_DROP,
                [
                    [
                        churn_data.REASON_FREQUENCY_DROP,
                        {"drop": 66.7, "days": 90, "recent": 1, "before": 3},
                    ]
                ],
            ],
            [
                churn_data.SIGNAL_COMPLAINTS,
                [
                    [churn_data.REASON_COMPLAINTS_OPEN, {"count": 2}],
                    [churn_data.REASON_COMPLAINTS_RECENT, {"count": 3, "days": 90}],
                ],
            ],
            [
                churn_data.SIGNAL_LOW_SATISFACTION,
                [
                    [churn_data.REASON_CSAT, {"csat": 2}],
                    [churn_data.REASON_NPS, {"nps": 5}],
                    [churn_data.REASON_TREND, {"recent": 50.0, "previous": 87.5, "days": 90}],
                ],
            ],
            [churn_data.SIGNAL_NO_ENGAGEMENT, [[churn_data.REASON_NO_ENGAGEMENT, {"days": 100}]]],
            [
                churn_data.SIGNAL_NO_ENGAGEMENT,
                [[churn_data.REASON_ENGAGEMENT_NEVER, {"days": 200}]],
            ],
            [
                churn_data.SIGNAL_P_ALIVE,
                [[churn_data.REASON_P_ALIVE, {"p": 0.1234, "threshold": 0.3}]],
            ],
        ]
        self.assertEqual(
            set(self.env["crm.churn.reason"]._get_templates()),
            {code for _signal, parts in document for code, _figures in parts},
        )
        chinese = self.env["crm.churn.reason"].with_context(lang="zh_CN")._render(document)
        lines = chinese.split("\n")
        self.assertEqual(len(lines), len(document))
        for line in lines:
            self.assertRegex(line, "[\u4e00-\u9fff]", line)
            self.assertLessEqual(set(re.findall("[A-Za-z]+", line)), {"SLA"}, line)
        self.assertIn("1,234", lines[0])
        self.assertIn("$\xa01,234.25", lines[2])
        self.assertIn("12%", lines[-1])

    def test_managers_told_in_their_language(self):
        """Each churn manager reads the message about the flagged warnings in their own
        language, the due date written as that language writes dates."""
        french_manager = make_company_user(
            self.env,
            "warn_manager_fr",
            "sales_team.group_sale_manager,crm_churn_warning.crm_churn_warning_group_manager",
            self.company,
            email="warn_manager_fr@example.com",
            lang="fr_FR",
        )
        vip = self.make_customer("VIP Abroad", user=self.salesperson)
        self.sync([self.big_row(vip, tier=self.tier_vip)])
        due = self.today + timedelta(days=1)

        def digest(manager):
            return self.env["mail.message"].search([("partner_ids", "in", manager.partner_id.ids)])

        english, french = digest(self.manager), digest(french_manager)
        self.assertEqual(len(english), 1)
        self.assertEqual(len(french), 1)
        self.assertNotEqual(english, french)
        self.assertIn(due.strftime("%m/%d/%Y"), english.body)
        self.assertIn(due.strftime("%d/%m/%Y"), french.body)
        if due.day != due.month:
            self.assertNotIn(due.strftime("%m/%d/%Y"), french.body)

    def test_activity_instructions_in_the_assignees_language(self):
        """A retention activity has no summary of its own (the chatter shows the name of its
        type in each reader's language) and the playbook's instructions in the language of
        the person who does it."""
        playbook = self.env.ref("crm_churn_warning.crm_churn_playbook_default")
        source = "Look at the reasons of the warning and get in touch with the customer."
        playbook.update_field_translations("note", {"fr_FR": {source: "Contactez le client."}})
        self.salesperson_2.lang = "fr_FR"
        english = self.make_customer("English Followed", user=self.salesperson)
        french = self.make_customer("French Followed", user=self.salesperson_2)
        self.sync(
            [
                self.make_row(english, churn_data.LEVEL_HIGH, 70.0, tier=self.tier_standard),
                self.make_row(french, churn_data.LEVEL_HIGH, 70.0, tier=self.tier_standard),
            ]
        )
        english_activity = self.activities_of(self.warnings_of(english))
        french_activity = self.activities_of(self.warnings_of(french))
        self.assertEqual((english_activity | french_activity).mapped("summary"), [False, False])
        self.assertIn(source, english_activity.note)
        self.assertEqual(str(french_activity.note), "<p>Contactez le client.</p>")
        self.assertEqual(french_activity.with_context(lang="en_US").display_name, "Churn Follow-up")

    def test_export_in_the_exporting_users_language(self):
        customer = self.make_customer("Exported Lapsed", user=self.salesperson)
        set_churn_values(
            customer,
            self.company,
            reason_data=json.dumps(self.big_row(customer)["reason_data"]),
            level=churn_data.LEVEL_HIGH,
            score=80.0,
        )

        def reasons(lang):
            wizard = (
                self.env["crm.churn.export.wizard"]
                .with_user(self.manager)
                .with_company(self.company)
                .with_context(lang=lang)
                .create({"company_id": self.company.id, "min_level": churn_data.LEVEL_HIGH})
            )
            wizard.action_export()
            book = load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
            rows = list(book.worksheets[0].iter_rows(values_only=True))
            return rows[1][rows[0].index("Reasons")]

        self.assertEqual(reasons("en_US"), ENGLISH)
        self.assertIn("$\xa01\xa0234,25 against $\xa012\xa0345,50", reasons("fr_FR"))
