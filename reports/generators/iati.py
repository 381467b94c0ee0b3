"""IATI activity XML 2.03 of a programme's funded alliances (DESIGN §10).

One `iati-activity` per alliance of the programme whose grant was approved (it has a
grant commitment), whatever became of it since: suspended, completed and cancelled
alliances are reported with their status. The same file is the report kind
`iati_activities_xml` and the answer of `GET /api/v1/iati/activities/?program=<id>`
(reports/iati_api.py), which both call `generate`.

What comes from where (README, "IATI export"):

- `iati-identifier`: IATI_REPORTING_ORG_REF, a hyphen and the alliance's code; the code
  is also an `other-identifier` of type A1 (the reporting organisation's own);
  `reporting-org`: IATI_REPORTING_ORG_REF and IATI_REPORTING_ORG_NAME, type 10
  (government: the ministry running the programme).
- `title`: the alliance's name; `description` (general): the plan's summary or, when it
  has none, a sentence naming the organization, the buyer, the product and the
  programme, in every shipped language.
- `participating-org`: the programme's funders (1 funding), the reporting organisation
  (3 extending), the producer organization and the buyer (4 implementing: IATI 2.03 has
  no partner role; the buyer carries out the alliance with the producers under the
  purchase agreement). Types only where the platform knows them.
- `activity-status` from the plan's status (ACTIVITY_STATUS); `activity-date`: 1 the
  grant's approval, 2 the agreement's signing, 3 the end of the plan's horizon from the
  signing, 4 completion or cancellation.
- `budget`: the tranche schedule by calendar year (original, committed); before the
  tranches are scheduled, the commitment over the year from its approval.
- `transaction`: the commitment (type 2), minus what a cancellation released (a
  negative commitment), and every payment (type 3) with its signed amount
  (`funding.models.signed_payment`): a reversal is a negative disbursement on its own
  date, so the disbursements add up to the ledger's net paid.
- `result`: one outcome per alliance whose indicators carry the baseline, the targets
  (per plan year from the signing, and for the whole plan) and the values of each
  accepted monitoring report (women and youth as dimensions).

Amounts are in the programme's currency (`default-currency`, to its minor unit), each
valued on its own date. Narratives: what people wrote (names, the plan's summary) once,
in the activity's language (LANGUAGE_CODE, the language the platform is used in); the
platform's own words and its translated data (indicator names, products) in every
shipped language that has them, tagged with `xml:lang`. The file does not depend on who
asks or in which language.

The alliances are read in chunks (`iterator` with per-chunk prefetches: a fixed number
of queries per chunk, whatever the number of alliances), and each activity is written
with lxml's incremental writer as soon as it is built: memory does not grow with the
programme.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from lxml import etree

from alliances.models import Buyer, Funder
from core.dates import add_months
from core.money import round_money
from funding.models import (
    Payment,
    ProgramFunding,
    PurchaseAgreementVersion,
    Tranche,
    signed_payment,
)
from monitoring.models import (
    Indicator,
    IndicatorBaseline,
    IndicatorTarget,
    IndicatorValue,
    MonitoringReport,
)
from monitoring.selectors import indicators_by_program
from plans.models import PlanStatus, PlanVersion, TransitionLog

from .base import Context

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CHUNK = 500

# ActivityStatus codelist: 1 pipeline/identification, 2 implementation, 3 finalisation,
# 4 closed, 5 cancelled, 6 suspended. Approved but not signed: the money is committed,
# the alliance is not yet carried out. Monitoring: the last tranche is paid and only
# monitoring remains, IATI's finalisation.
ACTIVITY_STATUS = {
    PlanStatus.APPROVED: "1",
    PlanStatus.ACTIVE: "2",
    PlanStatus.MONITORING: "3",
    PlanStatus.COMPLETED: "4",
    PlanStatus.CANCELLED: "5",
    PlanStatus.SUSPENDED: "6",
}
# ActivityDateType codelist.
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
# OrganisationRole codelist (2.03 has no partner role).
FUNDING, EXTENDING, IMPLEMENTING = "1", "3", "4"
# OrganisationType codelist, where the platform's own kind says it: a "donor" may be
# bilateral (10) or multilateral (40), a producer organization a cooperative or an
# association, an institutional buyer public or private: no type for those.
REPORTING_ORG_TYPE = "10"  # government
FUNDER_TYPE = {
    Funder.Kind.GOVERNMENT: "10",
    Funder.Kind.DEVELOPMENT_BANK: "40",
    Funder.Kind.OTHER: "90",
}
BUYER_TYPE = {
    Buyer.Kind.PROCESSOR: "70",
    Buyer.Kind.EXPORTER: "70",
    Buyer.Kind.RETAILER: "70",
}
# TransactionType codelist: 2 outgoing commitment, 3 disbursement.
COMMITMENT, DISBURSEMENT = "2", "3"
# BudgetType 1 original; BudgetStatus 2 committed.
BUDGET_ORIGINAL, BUDGET_COMMITTED = "1", "2"
STANDARD_GRANT = "110"  # FinanceType: the matching grant
PROJECT_TYPE = "C01"  # AidType: project-type interventions
OUTCOME = "2"  # ResultType
UNIT_MEASURE = "1"  # IndicatorMeasure
OWN_VOCABULARY = "99"  # IndicatorVocabulary: the reporting organisation's catalogue
OTHER_IDENTIFIER_OWN = "A1"  # OtherIdentifierType: the reporting organisation's own

MILESTONES = ("sign_agreement", "complete", "cancel")

# The platform's own words in the file, in every shipped language that translates them.
DESCRIPTION = gettext_noop(
    "Productive alliance of %(organization)s with the buyer %(buyer)s (%(product)s), "
    "co-financed by the programme %(program)s."
)
RESULT_TITLE = gettext_noop("Results of the alliance")
COMMITMENT_TEXT = gettext_noop("Grant commitment")
RELEASE_TEXT = gettext_noop("Undisbursed grant released at cancellation")
PAYMENT_TEXT = gettext_noop("Payment of tranche %(number)s")
REVERSAL_TEXT = gettext_noop("Reversal of a payment of tranche %(number)s")

# Characters XML 1.0 cannot carry (control characters but tab and line breaks).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# --- what is read ------------------------------------------------------------------------


def funded_alliances(ctx: Context):
    """The programme's alliances with a grant commitment that the requester reads in the
    portfolio, with all an activity needs (prefetched per chunk)."""
    latest = PlanVersion.objects.filter(plan=OuterRef("plan")).order_by("-number")
    agreed_unit = PurchaseAgreementVersion.objects.filter(
        agreement__alliance=OuterRef("pk")
    ).order_by("-number")
    payments = Payment.objects.annotate(signed=signed_payment()).order_by(
        "paid_on", "recorded_at", "id"
    )
    milestones = TransitionLog.objects.filter(
        transition__in=MILESTONES,
        content_type__app_label="plans",
        content_type__model="businessplan",
    ).order_by("at", "id")
    accepted = MonitoringReport.objects.filter(status=MonitoringReport.Status.ACCEPTED)
    return (
        ctx.alliances()
        .filter(plan__commitment__isnull=False, plan__status__in=list(ACTIVITY_STATUS))
        .select_related("plan__commitment", "program", "producer_organization", "buyer", "product")
        .annotate(
            plan_summary=Subquery(latest.values("summary")[:1]),
            plan_horizon=Subquery(latest.values("horizon_years")[:1]),
            volume_unit=Coalesce(Subquery(agreed_unit.values("unit")[:1]), "product__unit"),
        )
        .prefetch_related(
            Prefetch(
                "program__fundings",
                queryset=ProgramFunding.objects.select_related("funder").order_by(
                    "funder__name", "id"
                ),
            ),
            Prefetch("transition_logs", queryset=milestones, to_attr="milestones"),
            Prefetch(
                "plan__commitment__tranches",
                queryset=Tranche.objects.order_by("number").prefetch_related(
                    Prefetch("payments", queryset=payments)
                ),
            ),
            Prefetch("indicator_baselines", queryset=IndicatorBaseline.objects.all()),
            Prefetch(
                "indicator_targets",
                queryset=IndicatorTarget.objects.order_by("indicator_id", "year"),
            ),
            Prefetch(
                "monitoring_reports",
                queryset=accepted.order_by("period_start").prefetch_related(
                    Prefetch("values", queryset=IndicatorValue.objects.order_by("id"))
                ),
                to_attr="accepted_reports",
            ),
        )
        .order_by("code")
    )


# --- words -------------------------------------------------------------------------------


def _clean(text) -> str:
    return NOT_XML.sub("", str(text or "")).strip()


def default_language() -> str:
    """The activity's language (`xml:lang`): the platform's, LANGUAGE_CODE."""
    code = settings.LANGUAGE_CODE.split("-")[0].lower()
    return code if code in _languages() else "en"


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def in_languages(message: str, **values: Callable[[], object] | object) -> dict[str, str]:
    """`message` (a msgid) in each shipped language whose catalogue translates it (and in
    English), formatted with `values`; a callable value is read in that language (a
    product's translated name)."""
    texts: dict[str, str] = {}
    for code in _languages():
        with translation.override(code):
            template = gettext(message)
            if code != "en" and template == message:
                continue  # not translated: no narrative claims this language
            read = {k: v() if callable(v) else v for k, v in values.items()}
            texts[code] = _clean(template % read if read else template)
    return texts


def translated_field(obj, field: str) -> dict[str, str]:
    """A django-modeltranslation field in each language that has it filled."""
    texts = {}
    for code in _languages():
        value = _clean(getattr(obj, f"{field}_{code}", ""))
        if value:
            texts[code] = value
    return texts


def narratives(parent, texts: dict[str, str] | str, language: str) -> None:
    """`narrative` children: a plain string once, in the activity's language; a text per
    language with `xml:lang` on all but the activity's language (first)."""
    if isinstance(texts, str):
        texts = {language: _clean(texts)}
    for code in sorted(texts, key=lambda c: c != language):
        node = etree.SubElement(parent, "narrative")
        node.text = texts[code]
        if code != language:
            node.set(XML_LANG, code)


# --- building blocks ---------------------------------------------------------------------


def _sub(parent, tag: str, **attributes) -> etree._Element:
    """A child element; attribute names with an underscore are written with a hyphen."""
    node = etree.SubElement(parent, tag)
    for name, value in attributes.items():
        if value is not None and value != "":
            node.set(name.replace("_", "-"), str(value))
    return node


def _amount(amount: Decimal, currency: str) -> str:
    return format(round_money(amount, currency), "f")


def _number(value: Decimal) -> str:
    """An indicator figure without trailing zeros ("12.5", "100")."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _day(moment) -> datetime.date:
    return timezone.localdate(moment) if isinstance(moment, datetime.datetime) else moment


def _org(parent, tag: str, name, language: str, **attributes) -> None:
    narratives(_sub(parent, tag, **attributes), _clean(name), language)


def _value(parent, amount: Decimal, currency: str, on: datetime.date) -> None:
    _sub(parent, "value", value_date=on.isoformat()).text = _amount(amount, currency)


# --- one activity ------------------------------------------------------------------------


class Writer:
    """Builds the `iati-activity` of each alliance; what is the same for every activity
    (the reporting organisation, the platform's words, the indicators) is read once."""

    def __init__(self) -> None:
        self.ref = _clean(settings.IATI_REPORTING_ORG_REF)
        self.name = _clean(settings.IATI_REPORTING_ORG_NAME)
        self.language = default_language()
        self.result_title = in_languages(RESULT_TITLE)
        self.commitment_text = in_languages(COMMITMENT_TEXT)
        self.release_text = in_languages(RELEASE_TEXT)
        self._catalogue: dict[int, Indicator] | None = None
        self._indicators: dict[int, list[Indicator]] = {}
        self._payment_texts: dict[tuple[bool, int], dict[str, str]] = {}

    def indicators(self, program_id: int) -> list[Indicator]:
        """The indicators the programme's alliances report (one query for the catalogue,
        one per programme)."""
        if program_id not in self._indicators:
            if self._catalogue is None:
                self._catalogue = {i.pk: i for i in Indicator.objects.all()}
            self._indicators.update(indicators_by_program([program_id], self._catalogue))
        return self._indicators[program_id]

    def payment_text(self, *, reversal: bool, number: int) -> dict[str, str]:
        key = (reversal, number)
        if key not in self._payment_texts:
            message = REVERSAL_TEXT if reversal else PAYMENT_TEXT
            self._payment_texts[key] = in_languages(message, number=number)
        return self._payment_texts[key]

    def activity(self, alliance) -> etree._Element:
        plan, program = alliance.plan, alliance.program
        commitment = plan.commitment
        lang, currency = self.language, program.currency
        dates = self._dates(alliance)
        node = etree.Element("iati-activity")
        node.set(XML_LANG, lang)
        node.set("default-currency", currency)
        _sub(node, "iati-identifier").text = f"{self.ref}-{_clean(alliance.code)}"
        _org(node, "reporting-org", self.name, lang, ref=self.ref, type=REPORTING_ORG_TYPE)
        narratives(_sub(node, "title"), _clean(alliance.name), lang)
        description = _sub(node, "description", type="1")
        summary = _clean(alliance.plan_summary)
        narratives(description, summary or self._description(alliance), lang)
        for funding in program.fundings.all():
            funder = funding.funder
            _org(node, "participating-org", funder.name, lang, role=FUNDING,
                 type=FUNDER_TYPE.get(funder.kind))  # fmt: skip
        _org(node, "participating-org", self.name, lang, role=EXTENDING, ref=self.ref,
             type=REPORTING_ORG_TYPE)  # fmt: skip
        _org(node, "participating-org", alliance.producer_organization.name, lang,
             role=IMPLEMENTING)  # fmt: skip
        _org(node, "participating-org", alliance.buyer.name, lang, role=IMPLEMENTING,
             type=BUYER_TYPE.get(alliance.buyer.kind))  # fmt: skip
        _sub(node, "other-identifier", ref=_clean(alliance.code), type=OTHER_IDENTIFIER_OWN)
        _sub(node, "activity-status", code=ACTIVITY_STATUS[plan.status])
        for kind in (PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END):
            if dates.get(kind):
                _sub(node, "activity-date", type=kind, iso_date=dates[kind].isoformat())
        _sub(node, "recipient-country", code=program.country.upper())
        _sub(node, "default-finance-type", code=STANDARD_GRANT)
        _sub(node, "default-aid-type", code=PROJECT_TYPE)
        tranches = list(commitment.tranches.all())
        for start, end, amount in self._budgets(commitment, tranches, dates[PLANNED_START]):
            budget = _sub(node, "budget", type=BUDGET_ORIGINAL, status=BUDGET_COMMITTED)
            _sub(budget, "period-start", iso_date=start.isoformat())
            _sub(budget, "period-end", iso_date=end.isoformat())
            _value(budget, amount, currency, start)
        self._transactions(node, alliance, tranches, dates)
        self._result(node, alliance, dates)
        return node

    def _description(self, alliance) -> dict[str, str]:
        return in_languages(
            DESCRIPTION,
            organization=_clean(alliance.producer_organization.name),
            buyer=_clean(alliance.buyer.name),
            product=lambda: alliance.product.name,
            program=_clean(alliance.program.name),
        )

    def _dates(self, alliance) -> dict[str, datetime.date | None]:
        logged = {log.transition: _day(log.at) for log in alliance.milestones}
        signed = logged.get("sign_agreement")
        horizon = alliance.plan_horizon or 1
        planned_end = ended = None
        if signed:  # the plan's horizon, as the monitoring schedule counts it
            planned_end = add_months(signed, 12 * horizon) - datetime.timedelta(days=1)
        if alliance.plan.status in (PlanStatus.COMPLETED, PlanStatus.CANCELLED):
            ended = logged.get("complete") or logged.get("cancel")
        return {
            PLANNED_START: _day(alliance.plan.commitment.committed_at),
            ACTUAL_START: signed,
            PLANNED_END: planned_end,
            ACTUAL_END: ended,
            "cancelled": logged.get("cancel"),
        }

    @staticmethod
    def _budgets(commitment, tranches, approved_on):
        """(start, end, amount) per calendar year of the tranche schedule; before there
        is one, the commitment over the year from its approval."""
        if not tranches:
            end = add_months(approved_on, 12) - datetime.timedelta(days=1)
            return [(approved_on, end, commitment.amount)]
        by_year: dict[int, Decimal] = defaultdict(Decimal)
        for tranche in tranches:
            by_year[tranche.planned_date.year] += tranche.amount
        return [
            (datetime.date(year, 1, 1), datetime.date(year, 12, 31), amount)
            for year, amount in sorted(by_year.items())
        ]

    def _transaction(self, parent, kind, on, amount, currency, texts, receiver, ref=None):
        node = _sub(parent, "transaction", ref=ref)
        _sub(node, "transaction-type", code=kind)
        _sub(node, "transaction-date", iso_date=on.isoformat())
        _value(node, amount, currency, on)
        narratives(_sub(node, "description"), texts, self.language)
        _org(node, "provider-org", self.name, self.language, ref=self.ref)
        _org(node, "receiver-org", receiver, self.language)

    def _transactions(self, node, alliance, tranches, dates) -> None:
        commitment, currency = alliance.plan.commitment, alliance.program.currency
        receiver = alliance.producer_organization.name
        approved_on = dates[PLANNED_START]
        self._transaction(node, COMMITMENT, approved_on, commitment.amount, currency,
                          self.commitment_text, receiver)  # fmt: skip
        if commitment.released_amount:
            released_on = dates["cancelled"] or approved_on
            self._transaction(node, COMMITMENT, released_on, -commitment.released_amount,
                              currency, self.release_text, receiver)  # fmt: skip
        for tranche in tranches:
            for payment in tranche.payments.all():
                reversal = payment.kind == Payment.Kind.REVERSAL
                text = self.payment_text(reversal=reversal, number=tranche.number)
                self._transaction(node, DISBURSEMENT, payment.paid_on, payment.signed, currency,
                                  text, receiver, ref=_clean(payment.reference))  # fmt: skip

    def _result(self, node, alliance, dates) -> None:
        """One outcome with an indicator per indicator that has a baseline, a target or
        an accepted value; nothing when none has."""
        baselines = {b.indicator_id: b for b in alliance.indicator_baselines.all()}
        targets: dict[int, list[IndicatorTarget]] = defaultdict(list)
        for target in alliance.indicator_targets.all():
            targets[target.indicator_id].append(target)
        values: dict[int, list[tuple[MonitoringReport, IndicatorValue]]] = defaultdict(list)
        for report in alliance.accepted_reports:
            for value in report.values.all():
                values[value.indicator_id].append((report, value))
        shown = [
            i
            for i in self.indicators(alliance.program_id)
            if i.pk in baselines or targets.get(i.pk) or values.get(i.pk)
        ]
        if not shown:
            return
        result = _sub(node, "result", type=OUTCOME)
        narratives(_sub(result, "title"), self.result_title, self.language)
        for indicator in shown:
            self._indicator(
                result, alliance, indicator, baselines.get(indicator.pk),
                targets.get(indicator.pk, []), values.get(indicator.pk, []), dates,
            )  # fmt: skip

    def _indicator(self, result, alliance, indicator, baseline, targets, values, dates):
        node = _sub(result, "indicator", measure=UNIT_MEASURE, ascending="1")
        narratives(_sub(node, "title"), self._indicator_title(alliance, indicator), self.language)
        description = translated_field(indicator, "description")
        if description:
            narratives(_sub(node, "description"), description, self.language)
        _sub(node, "reference", vocabulary=OWN_VOCABULARY, code=indicator.code)
        if baseline is not None:
            measured = baseline.measured_on
            year = (measured or dates[ACTUAL_START] or dates[PLANNED_START]).year
            _sub(node, "baseline", year=year, iso_date=measured.isoformat() if measured else None,
                 value=_number(baseline.value))  # fmt: skip
        periods: dict[tuple, dict[str, list]] = defaultdict(lambda: {"targets": [], "actuals": []})
        signed, plan_end = dates[ACTUAL_START], dates[PLANNED_END]
        for target in targets if signed else ():  # periods count from the signing
            if target.year is None:
                start, end = signed, plan_end
            else:
                start = add_months(signed, 12 * (target.year - 1))
                end = add_months(signed, 12 * target.year) - datetime.timedelta(days=1)
            periods[(start, end)]["targets"].append(target)
        for report, value in values:
            periods[(report.period_start, report.period_end)]["actuals"].append(value)
        for (start, end), figures in sorted(periods.items()):
            period = _sub(node, "period")
            _sub(period, "period-start", iso_date=start.isoformat())
            _sub(period, "period-end", iso_date=end.isoformat())
            for target in figures["targets"]:
                _sub(period, "target", value=_number(target.value))
            for value in figures["actuals"]:
                _sub(period, "actual", value=_number(value.value))
                if value.women is not None:
                    actual = _sub(period, "actual", value=_number(value.women))
                    _sub(actual, "dimension", name="sex", value="female")
                if value.youth is not None:
                    actual = _sub(period, "actual", value=_number(value.youth))
                    _sub(actual, "dimension", name="age", value="under 35")

    @staticmethod
    def _indicator_title(alliance, indicator) -> dict[str, str]:
        """The indicator's name with its unit, in each language that has the name."""
        names = translated_field(indicator, "name")
        units = translated_field(indicator, "unit")
        fixed = ""
        if not units:  # money in the programme's currency, volumes in the agreed unit
            fixed = indicator.unit_for(
                currency=alliance.program.currency, volume_unit=_clean(alliance.volume_unit)
            )
        titles = {}
        for code, name in names.items():
            unit = units.get(code) or units.get("en") or fixed
            titles[code] = f"{name} ({unit})" if unit else name
        return titles


# --- the file ----------------------------------------------------------------------------


def generated_at() -> str:
    """The file's `generated-datetime`: now, to the second."""
    return timezone.now().replace(microsecond=0).isoformat()


def generate(ctx: Context, output) -> None:
    """Write the `iati-activities` file to `output` (a path, or a binary file object)."""
    alliances = funded_alliances(ctx)
    ctx.progress.phase(0, 99, alliances.count())
    writer = Writer()
    generated = generated_at()
    with etree.xmlfile(output, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(
            "iati-activities", {"version": IATI_VERSION, "generated-datetime": generated}
        ):
            xf.write("\n")
            for alliance in alliances.iterator(chunk_size=CHUNK):
                xf.write(writer.activity(alliance), pretty_print=True)
                ctx.progress.row()
