"""Demo data: customer companies with two years of orders, replayed through the engine.

Called once, at install with demo data, from demo/crm_lifecycle_demo.xml. Everything is built
relative to today and from a seeded random generator, so each install tells the same stories:
- about seventy customer companies (a third in China) with a contact person, a salesperson
  (Mitchell Admin for Europe and the Americas, Marc Demo for Asia-Pacific), an industry, a
  potential and, for some, the customer who referred them;
- for each, the confirmed sale orders its profile calls for (VIPs ordering every few weeks,
  loyal customers, repeat buyers, newcomers, customers lost after one order, after a few or after
  being loyal, customers who came back after churning) and the opportunities that led to them;
- prospects with an open opportunity or a quotation, and no confirmed order.
History is made in time order: month after month, the opportunities and orders of the month are
created (orders confirmed, their dates set back to the month's dates), then the engine recomputes
the company as of the month's end, as the nightly cron would have done; a last run as of today,
then a manager locks one customer's tier. Lifecycle events, stage paths and partner chatter thus
carry the dates of two years of history.
"""

import random
import re
import unicodedata
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tools import SQL

from ..models.lifecycle_data import ORIGIN_CRON

SEED = 1919
HISTORY_MONTHS = 24
ASIA_PACIFIC = {"CN", "HK", "JP", "KR", "SG", "IN", "ID", "AU"}

# Order histories, in days before today. A spell is a run of orders from `start` to `end` (or
# `start` minus `span`) every `gap` days; a spell without end is one order. `amount` is the range
# of one order's untaxed value.
PROFILES = {
    "vip": {
        "spells": [{"start": (690, 725), "end": (1, 6), "gap": (18, 30)}],
        "amount": (9000, 26000),
    },
    "key_loyal": {
        "spells": [{"start": (450, 700), "end": (5, 40), "gap": (35, 60)}],
        "amount": (3000, 9000),
    },
    "fading": {
        "spells": [{"start": (500, 700), "end": (120, 165), "gap": (30, 50)}],
        "amount": (2500, 7000),
    },
    "loyal_standard": {
        "spells": [{"start": (420, 650), "end": (15, 90), "gap": (55, 85)}],
        "amount": (400, 1500),
    },
    "repeat": {
        "spells": [{"start": (60, 330), "end": (3, 55), "gap": (25, 90)}],
        "amount": (1500, 8000),
    },
    "new": {"spells": [{"start": (3, 100)}], "amount": (800, 6000)},
    "new_big": {"spells": [{"start": (5, 60)}], "amount": (75000, 95000)},
    "early_abort": {"spells": [{"start": (230, 640)}], "amount": (500, 4000)},
    "midway_abort": {
        "spells": [{"start": (330, 690), "span": (30, 110), "gap": (25, 55)}],
        "amount": (1000, 6000),
    },
    "early_exit": {
        "spells": [{"start": (700, 725), "end": (250, 290), "gap": (28, 45)}],
        "amount": (2500, 9000),
    },
    "reactivated": {
        "spells": [
            {"start": (620, 725), "span": (40, 120), "gap": (30, 60)},
            {"start": (200, 240), "end": (5, 60), "gap": (30, 60)},
        ],
        "amount": (1500, 6000),
    },
    "prospect_opportunity": {"spells": [], "amount": (5000, 40000)},
    "prospect_quotation": {"spells": [], "amount": (2000, 15000)},
}

# (key, name, country, city, industry (base.res_partner_industry_*), profile, potential, referrer)
# fmt: off
CUSTOMERS = [
    ("shanghai_lotus", "Shanghai Lotus Trading Co., Ltd.", "CN", "Shanghai", "G", "vip", "3", None),
    ("hamburg_hanse", "Hamburg Hanse Office Solutions GmbH", "DE", "Hamburg", "G", "vip", "3",
     None),
    ("pacific_crest", "Pacific Crest Hotels Inc.", "US", "San Francisco", "I", "vip", "3", None),
    ("shenzhen_star", "Shenzhen Bright Star Electronics Co., Ltd.", "CN", "Shenzhen", "C", "vip",
     "3", None),
    ("tokyo_sakura", "Tokyo Sakura Realty K.K.", "JP", "Tokyo", "L", "vip", "2", None),
    ("maple_leaf", "Maple Leaf Coworking Ltd.", "CA", "Toronto", "L", "vip", "3", None),
    ("beijing_wall", "Beijing Great Wall Interiors Co., Ltd.", "CN", "Beijing", "F", "key_loyal",
     "2", "shanghai_lotus"),
    ("lyon_atelier", "Lyon Atelier Design SARL", "FR", "Lyon", "M", "key_loyal", "2", None),
    ("brightwater", "Brightwater Dental Group LLC", "US", "Denver", "Q", "key_loyal", "2", None),
    ("guangzhou_pearl", "Guangzhou Pearl River Furnishings Co., Ltd.", "CN", "Guangzhou", "G",
     "key_loyal", "2", "shenzhen_star"),
    ("amsterdam_canal", "Amsterdam Canal Architects B.V.", "NL", "Amsterdam", "M", "key_loyal",
     "2", None),
    ("singapore_harbour", "Singapore Harbourfront Holdings Pte. Ltd.", "SG", "Singapore", "L",
     "key_loyal", "3", "pacific_crest"),
    ("melbourne_laneway", "Melbourne Laneway Studios Pty Ltd", "AU", "Melbourne", "R",
     "key_loyal", "1", None),
    ("bavaria_medical", "Bavaria Medical Systems AG", "DE", "Munich", "Q", "key_loyal", "2",
     "hamburg_hanse"),
    ("hangzhou_westlake", "Hangzhou West Lake Education Group Co., Ltd.", "CN", "Hangzhou", "P",
     "key_loyal", "2", None),
    ("milano_fashion", "Milano Fashion District S.r.l.", "IT", "Milan", "G", "fading", "1", None),
    ("chengdu_panda", "Chengdu Panda Workspace Co., Ltd.", "CN", "Chengdu", "L", "fading", "2",
     None),
    ("thames_valley", "Thames Valley Insurance plc", "GB", "Reading", "K", "fading", "1", None),
    ("barcelona_sol", "Barcelona Sol Coffee Roasters S.L.", "ES", "Barcelona", "I",
     "loyal_standard", "1", None),
    ("suzhou_garden", "Suzhou Garden Design Studio Co., Ltd.", "CN", "Suzhou", "M",
     "loyal_standard", "1", None),
    ("austin_maker", "Austin Maker Space LLC", "US", "Austin", "S", "loyal_standard", "1", None),
    ("brussels_policy", "Brussels Policy Institute ASBL", "BE", "Brussels", "M",
     "loyal_standard", "0", None),
    ("seoul_hanok", "Seoul Hanok Guesthouses Co., Ltd.", "KR", "Seoul", "I", "loyal_standard",
     "1", "tokyo_sakura"),
    ("edinburgh_tours", "Edinburgh Castle Tours Ltd", "GB", "Edinburgh", "R", "loyal_standard",
     "0", None),
    ("wuhan_yangtze", "Wuhan Yangtze Property Management Co., Ltd.", "CN", "Wuhan", "L",
     "repeat", "2", None),
    ("lisbon_tram", "Lisbon Tram Logistics Lda.", "PT", "Lisbon", "H", "repeat", "1", None),
    ("mumbai_monsoon", "Mumbai Monsoon Software Pvt. Ltd.", "IN", "Mumbai", "J", "repeat", "2",
     None),
    ("rio_verde", "Rio Verde Agro Ltda.", "BR", "Goiânia", "A", "repeat", "1", None),
    ("nanjing_purple", "Nanjing Purple Mountain Hotels Group Co., Ltd.", "CN", "Nanjing", "I",
     "repeat", "3", "shanghai_lotus"),
    ("chicago_lakeshore", "Chicago Lakeshore Law LLP", "US", "Chicago", "M", "repeat", "2", None),
    ("oslo_fjord", "Oslo Fjord Energy AS", "NO", "Oslo", "D", "repeat", "1", None),
    ("xiamen_harbour", "Xiamen Harbour Logistics Co., Ltd.", "CN", "Xiamen", "H", "repeat", "1",
     "guangzhou_pearl"),
    ("vienna_opera", "Vienna Opera Catering GmbH", "AT", "Vienna", "I", "repeat", "1", None),
    ("andes_construcciones", "Andes Construcciones S.A. de C.V.", "MX", "Mexico City", "F",
     "repeat", "1", None),
    ("tianjin_binhai", "Tianjin Binhai Engineering Co., Ltd.", "CN", "Tianjin", "F", "new_big",
     "3", "beijing_wall"),
    ("ningbo_orient", "Ningbo Orient Import & Export Co., Ltd.", "CN", "Ningbo", "G", "new_big",
     "2", None),
    ("sydney_physio", "Sydney Harbour Physiotherapy Pty Ltd", "AU", "Sydney", "Q", "new", "1",
     None),
    ("paris_rive_gauche", "Paris Rive Gauche Publishing SAS", "FR", "Paris", "J", "new", "1", None),
    ("bangalore_silicon", "Bangalore Silicon Labs Pvt. Ltd.", "IN", "Bengaluru", "J", "new", "2",
     "mumbai_monsoon"),
    ("dublin_liffey", "Dublin Liffey Fintech Ltd", "IE", "Dublin", "K", "new", "2", None),
    ("kyoto_zen", "Kyoto Zen Tea House K.K.", "JP", "Kyoto", "I", "new", "0", None),
    ("qingdao_seaside", "Qingdao Seaside Hospitality Co., Ltd.", "CN", "Qingdao", "I",
     "early_abort", "1", None),
    ("phoenix_solar", "Phoenix Desert Solar Inc.", "US", "Phoenix", "D", "early_abort", "0", None),
    ("marseille_port", "Marseille Port Services SA", "FR", "Marseille", "H", "early_abort", "0",
     None),
    ("table_bay", "Table Bay Events (Pty) Ltd", "ZA", "Cape Town", "R", "early_abort", "0", None),
    ("hefei_robotics", "Hefei Lakeside Robotics Co., Ltd.", "CN", "Hefei", "C", "early_abort",
     "1", None),
    ("porto_douro", "Porto Douro Wines Lda.", "PT", "Porto", "A", "early_abort", "0", None),
    ("osaka_printing", "Osaka Kansai Printing Co., Ltd.", "JP", "Osaka", "C", "early_abort", "0",
     None),
    ("dalian_star", "Dalian Northern Star Software Co., Ltd.", "CN", "Dalian", "J",
     "midway_abort", "1", None),
    ("frankfurt_main", "Frankfurt Main Finance Partners GmbH", "DE", "Frankfurt", "K",
     "midway_abort", "1", None),
    ("seattle_evergreen", "Seattle Evergreen Clinics PLLC", "US", "Seattle", "Q", "midway_abort",
     "1", None),
    ("rotterdam_delta", "Rotterdam Delta Shipping B.V.", "NL", "Rotterdam", "H", "midway_abort",
     "1", None),
    ("tango_media", "Tango Media S.A.", "AR", "Buenos Aires", "R", "midway_abort", "0", None),
    ("kunming_spring", "Kunming Spring City Tourism Co., Ltd.", "CN", "Kunming", "I",
     "midway_abort", "1", None),
    ("manchester_retail", "Manchester Northern Retail Ltd", "GB", "Manchester", "G",
     "midway_abort", "0", None),
    ("chongqing_coworking", "Chongqing Mountain City Coworking Co., Ltd.", "CN", "Chongqing", "L",
     "early_exit", "2", None),
    ("zurich_alpine", "Zurich Alpine Private Bank AG", "CH", "Zurich", "K", "early_exit", "2",
     None),
    ("boston_harborview", "Boston Harborview College", "US", "Boston", "P", "early_exit", "1",
     None),
    ("stuttgart_autowerk", "Stuttgart Autowerk Components GmbH", "DE", "Stuttgart", "C",
     "early_exit", "1", None),
    ("vancouver_games", "Vancouver Pacific Games Studio Inc.", "CA", "Vancouver", "J",
     "early_exit", "1", "maple_leaf"),
    ("shenyang_machinery", "Shenyang Heavy Machinery Trading Co., Ltd.", "CN", "Shenyang", "C",
     "reactivated", "1", None),
    ("copenhagen_nordic", "Copenhagen Nordic Design ApS", "DK", "Copenhagen", "M",
     "reactivated", "2", None),
    ("sunset_studios", "Sunset Boulevard Studios LLC", "US", "Los Angeles", "R", "reactivated",
     "1", None),
    ("florence_hotels", "Florence Renaissance Hotels S.p.A.", "IT", "Florence", "I",
     "reactivated", "2", None),
    ("nusantara_office", "PT Nusantara Office Supplies", "ID", "Jakarta", "G", "reactivated", "1",
     None),
    ("xian_terracotta", "Xi'an Terracotta Cultural Tourism Co., Ltd.", "CN", "Xi'an", "R",
     "reactivated", "1", None),
    ("harbin_ice", "Harbin Ice City Logistics Co., Ltd.", "CN", "Harbin", "H",
     "prospect_opportunity", "2", None),
    ("berlin_spree", "Berlin Spree Startup Hub GmbH", "DE", "Berlin", "L", "prospect_quotation",
     "1", None),
    ("toronto_clinics", "Lakeshore Family Clinics Inc.", "CA", "Toronto", "Q",
     "prospect_opportunity", "1", None),
    ("zhuhai_pearl_bay", "Zhuhai Pearl Bay Resorts Co., Ltd.", "CN", "Zhuhai", "I",
     "prospect_quotation", "3", "guangzhou_pearl"),
    ("geneva_foundation", "Geneva Lakeside Foundation", "CH", "Geneva", "S",
     "prospect_opportunity", "0", None),
    ("victoria_peak", "Victoria Peak Ventures Ltd.", "HK", "Hong Kong", "K",
     "prospect_quotation", "1", None),
]
# fmt: on
# the customer a manager locks at VIP, and why
LOCKED_CUSTOMER = "nanjing_purple"
LOCK_REASON = "Framework agreement for 40 hotels signed; volumes ramp up next quarter."

# demo products of the `product` addon an office furniture seller sells
PRODUCTS = [
    "product.product_product_5",
    "product.product_product_6",
    "product.product_product_10",
    "product.product_product_12",
    "product.product_product_13",
    "product.product_product_27",
    "product.product_delivery_01",
    "product.product_delivery_02",
    "product.product_product_9",
    "product.product_order_01",
    "product.product_product_acoustic_bloc_screens_white",
    "product.product_product_3",
    "product.product_product_4",
    "product.product_product_24",
    "product.consu_delivery_01",
    "product.product_product_8",
    "product.product_product_20",
    "product.product_product_22",
    "product.consu_delivery_03",
    "product.consu_delivery_02",
    "product.product_product_furniture",
]

OPPORTUNITY_NAMES = [
    "New headquarters fit-out",
    "Meeting rooms refurbishment",
    "Ergonomic chairs roll-out",
    "Open-space redesign",
    "Branch offices furniture",
    "Reception and lounge furnishing",
    "Hybrid work equipment",
    "Framework agreement renewal",
]
FIRST_NAMES = {
    "CN": ["Wei", "Fang", "Min", "Jing", "Lei", "Yang", "Jun", "Xin", "Hui", "Lan", "Tao", "Ying"],
    "JP": ["Haruto", "Yuki", "Kenji", "Aiko", "Sota", "Mei"],
    "KR": ["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun"],
    "other": [
        "Anna", "Thomas", "Sophie", "Lukas", "Emma", "James", "Olivia", "Daniel", "Laura",
        "Marco", "Julia", "Pierre", "Elena", "David", "Sarah", "Carlos", "Priya", "Lars",
    ],
}  # fmt: skip
LAST_NAMES = {
    "CN": ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu"],
    "JP": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe"],
    "KR": ["Kim", "Lee", "Park", "Choi"],
    "other": [
        "Müller", "Martin", "Smith", "Rossi", "García", "Jensen", "Dubois", "Brown", "Schmidt",
        "Silva", "Novak", "Taylor", "Moreau", "Sharma", "Johansson", "O'Brien",
    ],
}  # fmt: skip
FAMILY_NAME_FIRST = {"CN", "JP", "KR"}
JOB_POSITIONS = [
    "Purchasing Manager",
    "Office Manager",
    "Facility Manager",
    "Procurement Director",
    "Operations Manager",
]


class CrmLifecycleDemo:
    def __init__(self, env):
        """The generator works in the main company, with tracking, log notes and followers off
        for what it creates."""
        self.company = env.ref("base.main_company")
        self.env = (
            env["res.company"]
            .with_company(self.company)
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
            .env
        )

    def _load_demo_history(self):
        """Builds the demo customers and replays two years of their history (see module doc)."""
        company = self.company
        today = company._crm_today()
        rng = random.Random(SEED)
        customers = self._demo_create_customers(company, rng)
        orders, leads = self._demo_plan(customers, today, rng)
        products = self._demo_products()
        run_dates = [
            today.replace(day=1) - relativedelta(months=months_back - 1) - timedelta(days=1)
            for months_back in range(HISTORY_MONTHS, 0, -1)
        ] + [today]
        for as_of in run_dates:
            month_leads = [lead for lead in leads if lead["date"] <= as_of and "record" not in lead]
            self._demo_create_leads(company, month_leads)
            month_orders = [order for order in orders if order["date"] <= as_of]
            orders = [order for order in orders if order["date"] > as_of]
            self._demo_create_orders(company, month_orders, products, rng)
            self._demo_recompute(company, as_of)
        self._demo_lock_tier(company, customers[LOCKED_CUSTOMER]["partner"], today)
        self._demo_recompute(company, today)
        # the last run covered every customer the confirmed orders queued for a refresh
        self.env["crm.value.queue"].search([("company_id", "=", company.id)]).unlink()

    # ------------------------------------------------------------------ customers
    def _demo_create_customers(self, company, rng):
        """Customer companies and one contact person each, with xml ids. Returns, by key, a dict
        with the partner, its contact, its profile and its salesperson."""
        countries = {
            country.code: country
            for country in self.env["res.country"].search(
                [("code", "in", sorted({row[2] for row in CUSTOMERS}))]
            )
        }
        users = {
            "asia": self.env.ref("base.user_demo"),
            "other": self.env.ref("base.user_admin"),
        }
        Partner = self.env["res.partner"]
        data = []
        for key, name, country, city, industry, _profile, potential, _referrer in CUSTOMERS:
            user = users["asia" if country in ASIA_PACIFIC else "other"]
            industry_rec = self.env.ref(
                f"base.res_partner_industry_{industry}", raise_if_not_found=False
            )
            data.append(
                {
                    "xml_id": f"crm_lifecycle_tiering.res_partner_{key}_demo",
                    "noupdate": True,
                    "values": {
                        "name": name,
                        "is_company": True,
                        "country_id": countries[country].id if country in countries else False,
                        "city": city,
                        "email": f"info@{self._demo_domain(name)}",
                        "industry_id": industry_rec.id if industry_rec else False,
                        "user_id": user.id,
                        "crm_potential": potential,
                    },
                }
            )
        partners = Partner._load_records(data)
        by_key = {row[0]: partner for row, partner in zip(CUSTOMERS, partners, strict=True)}
        referred = {}
        for row in CUSTOMERS:
            if row[7]:
                referred[row[7]] = referred.get(row[7], Partner) | by_key[row[0]]
        for referrer, customers in referred.items():
            customers.crm_referred_by_id = by_key[referrer]
        contacts = Partner._load_records(
            [
                {
                    "xml_id": f"crm_lifecycle_tiering.res_partner_{row[0]}_contact_demo",
                    "noupdate": True,
                    "values": self._demo_contact_values(by_key[row[0]], row[2], rng),
                }
                for row in CUSTOMERS
            ]
        )
        return {
            row[0]: {
                "partner": by_key[row[0]],
                "contact": contact,
                "profile": row[5],
                "user": by_key[row[0]].user_id,
            }
            for row, contact in zip(CUSTOMERS, contacts, strict=True)
        }

    def _demo_domain(self, name):
        words = re.sub(r"[^a-z ]", "", name.lower()).split()
        return f"{''.join(words[:2])}.example.com"

    def _demo_contact_values(self, company_partner, country, rng):
        pool = country if country in FIRST_NAMES else "other"
        first, last = rng.choice(FIRST_NAMES[pool]), rng.choice(LAST_NAMES[pool])
        name = f"{last} {first}" if country in FAMILY_NAME_FIRST else f"{first} {last}"
        ascii_name = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
        login = re.sub(r"[^a-z.]", "", ascii_name.decode().lower())
        return {
            "name": name,
            "parent_id": company_partner.id,
            "type": "contact",
            "function": rng.choice(JOB_POSITIONS),
            "email": f"{login}@{company_partner.email.split('@')[1]}",
        }

    def _demo_products(self):
        products = self.env["product.product"]
        for xml_id in PRODUCTS:
            product = self.env.ref(xml_id, raise_if_not_found=False)
            if product and product.sale_ok and product.lst_price > 0:
                products |= product
        if not products:
            products = self.env["product.product"].search(
                [("sale_ok", "=", True), ("lst_price", ">", 0)], limit=20
            )
        return products.sorted("lst_price")

    # ------------------------------------------------------------------ the plan
    def _demo_plan(self, customers, today, rng):
        """Orders and opportunities to create, each with its date (sorted by date)."""
        orders, leads = [], []
        for key, _name, *_rest in CUSTOMERS:
            customer = customers[key]
            profile = PROFILES[customer["profile"]]
            days = self._demo_order_days(profile["spells"], rng)
            low, high = profile["amount"]
            customer_leads = self._demo_plan_leads(customer, days, today, rng)
            leads += customer_leads
            for day in days:
                orders.append(
                    {
                        "date": today - timedelta(days=day),
                        # about half the orders come through the contact person
                        "partner": customer["contact" if rng.random() < 0.5 else "partner"],
                        "amount": rng.uniform(low, high),
                        "state": "sale",
                    }
                )
            # the opportunity won by the first order
            for lead in customer_leads:
                if lead["won"]:
                    orders[-len(days)]["lead"] = lead
            if customer["profile"] == "prospect_quotation":
                orders.append(
                    {
                        "date": today - timedelta(days=rng.randint(3, 25)),
                        "partner": customer["contact"],
                        "amount": rng.uniform(low, high),
                        "state": rng.choice(["draft", "sent"]),
                    }
                )
        orders.sort(key=lambda order: order["date"])
        leads.sort(key=lambda lead: lead["date"])
        return orders, leads

    def _demo_order_days(self, spells, rng):
        """Days before today of a customer's orders, oldest first."""
        days = []
        for spell in spells:
            day = rng.randint(*spell["start"])
            if "end" in spell:
                end = rng.randint(*spell["end"])
            elif "span" in spell:
                end = day - rng.randint(*spell["span"])
            else:
                end = day
            days.append(day)
            if end == day:
                continue
            low, high = spell["gap"]
            day -= rng.randint(low, high)
            while day - end >= low // 2:
                days.append(day)
                day -= rng.randint(low, high)
            days.append(end)
        return days

    def _demo_plan_leads(self, customer, days, today, rng):
        """The opportunity that brought a third of the buyers (won at their first order), an open
        one for prospects without quotation and for half the best customers."""
        profile = customer["profile"]
        low, high = PROFILES[profile]["amount"]
        base = {"partner": customer["partner"], "user": customer["user"]}
        leads = []
        if days and rng.random() < 0.35:
            lead_day = days[0] + rng.randint(20, 60)
            if lead_day < HISTORY_MONTHS * 30:
                leads.append(
                    dict(
                        base,
                        name=rng.choice(OPPORTUNITY_NAMES),
                        date=today - timedelta(days=lead_day),
                        won=today - timedelta(days=days[0]),
                        revenue=round(rng.uniform(low, high) * 3, -2),
                    )
                )
        if profile == "prospect_opportunity" or (
            profile in ("vip", "key_loyal") and rng.random() < 0.5
        ):
            leads.append(
                dict(
                    base,
                    name=rng.choice(OPPORTUNITY_NAMES),
                    date=today - timedelta(days=rng.randint(8, 90)),
                    won=None,
                    revenue=round(rng.uniform(low, high) * 2, -2),
                    probability=rng.choice([20, 40, 60, 80]),
                )
            )
        return leads

    # ------------------------------------------------------------------ creating history
    def _demo_create_leads(self, company, leads):
        if not leads:
            return
        records = self.env["crm.lead"].create(
            [
                {
                    "name": f"{lead['name']} - {lead['partner'].name}",
                    "type": "opportunity",
                    "partner_id": lead["partner"].id,
                    "user_id": lead["user"].id,
                    "company_id": company.id,
                    "expected_revenue": lead["revenue"],
                    "probability": lead.get("probability", 50),
                    "date_deadline": (lead["won"] or lead["date"] + timedelta(days=120)),
                }
                for lead in leads
            ]
        )
        for lead, record in zip(leads, records, strict=True):
            lead["record"] = record
        self._demo_set_dates(
            "crm_lead",
            records.ids,
            [datetime.combine(lead["date"], time(9)) for lead in leads],
            ["create_date", "date_open"],
        )

    def _demo_create_orders(self, company, planned, products, rng):
        """Creates the planned orders; those to confirm are confirmed and keep their date."""
        if not planned:
            return
        values = []
        for order in planned:
            moment = datetime.combine(order["date"], time(rng.randint(7, 16), rng.randint(0, 59)))
            order["moment"] = moment
            if "lead" in order and "opportunity_id" in self.env["sale.order"]._fields:
                # sale_crm (installed with sale and crm) links the order to its opportunity
                extra = {"opportunity_id": order["lead"]["record"].id}
            else:
                extra = {}
            values.append(
                {
                    **extra,
                    "partner_id": order["partner"].id,
                    "company_id": company.id,
                    "user_id": order["partner"].commercial_partner_id.user_id.id,
                    "date_order": moment,
                    "validity_date": order["date"] + timedelta(days=30),
                    "order_line": [
                        fields.Command.create(line)
                        for line in self._demo_order_lines(products, order["amount"], rng)
                    ],
                }
            )
        records = self.env["sale.order"].create(values)
        by_state = {}
        for record, order in zip(records, planned, strict=True):
            by_state[order["state"]] = by_state.get(order["state"], records.browse()) | record
        by_state.get("sale", records.browse()).action_confirm()
        by_state.get("sent", records.browse()).action_quotation_sent()
        self._demo_set_dates(
            "sale_order",
            records.ids,
            [order["moment"] for order in planned],
            ["date_order", "create_date"],
        )
        won = [order for order in planned if "lead" in order]
        if won:
            leads = self.env["crm.lead"].union(*(order["lead"]["record"] for order in won))
            leads.action_set_won()
            self._demo_set_dates(
                "crm_lead", leads.ids, [order["moment"] for order in won], ["date_closed"]
            )

    def _demo_order_lines(self, products, amount, rng):
        """One to three lines of demo products worth about `amount` together."""
        count = 1 if amount < 1000 else rng.randint(1, 3)
        lines = []
        for share in [amount / count] * count:
            candidates = products.filtered(lambda p, s=share: s / 60 <= p.lst_price <= s)
            product = rng.choice(candidates or products[:1])
            quantity = max(1, round(share / product.lst_price))
            lines.append({"product_id": product.id, "product_uom_qty": quantity})
        return lines

    def _demo_set_dates(self, table, ids, moments, columns):
        """Sets the given datetime columns of the rows to their historical moment."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE %(table)s t SET %(sets)s"
                " FROM unnest(%(ids)s::int[], %(moments)s::timestamp[]) AS v(id, moment)"
                " WHERE t.id = v.id",
                table=SQL.identifier(table),
                sets=SQL(", ").join(
                    SQL("%s = v.moment", SQL.identifier(column)) for column in columns
                ),
                ids=ids,
                moments=moments,
            )
        )
        model = {"sale_order": "sale.order", "crm_lead": "crm.lead"}[table]
        self.env[model].invalidate_model(columns)

    def _demo_recompute(self, company, as_of):
        """Recomputes the company as the nightly cron did on that day (the engine dates its
        chatter notes on that day)."""
        self.env["crm.value.engine"]._recompute_company(company, origin=ORIGIN_CRON, as_of=as_of)

    def _demo_lock_tier(self, company, partner, today):
        """A sales manager pins a strategic customer at VIP for six months."""
        admin = self.env.ref("base.user_admin")
        wizard = (
            self.env["crm.tier.lock.wizard"]
            .with_user(admin)
            .with_company(company)
            .create(
                {
                    "partner_ids": [fields.Command.set(partner.ids)],
                    "company_id": company.id,
                    "tier_id": self.env.ref("crm_lifecycle_tiering.crm_customer_tier_vip").id,
                    "reason": LOCK_REASON,
                    "until": today + relativedelta(months=6),
                }
            )
        )
        wizard.action_lock()
