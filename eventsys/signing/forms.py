"""Forms of the signed-project pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from eventsys.i18n import localized
from eventsys.signing.rules import KIND_LABELS, STATUS_LABELS


class ProjectForm(FlaskForm):
    title = StringField(_l("Project title"), validators=[InputRequired(), Length(max=300)])
    party_a = StringField(_l("Party A (甲方)"), validators=[InputRequired(), Length(max=200)])
    party_b = StringField(_l("Party B (乙方)"), validators=[InputRequired(), Length(max=200)])
    other_parties = StringField(_l("Further parties"), validators=[Optional(), Length(max=2000)])
    region = StringField(
        _l("Region"),
        validators=[Optional(), Length(max=40)],
        render_kw={"list": "regions", "placeholder": "四川 / 重庆 / 北京 / 德国"},
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=40)])
    sector = SelectField(_l("Sector"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    amount_wan = StringField(
        _l("Amount (万元)"),
        validators=[Optional(), Length(max=40)],
        description=_l(
            "Exact: 1234.5, 1,234.50, 2.8亿 … Leave empty for an agreement without an amount."
        ),
        render_kw={"inputmode": "decimal"},
    )
    signed_on = DateField(_l("Date signed"), validators=[InputRequired()])
    forum = SelectField(_l("Forum"), choices=[], validate_choice=False)
    session = SelectField(_l("Signing session"), choices=[], validate_choice=False)
    status = SelectField(
        _l("Status"), choices=[SelectChoice(k, v) for k, v in STATUS_LABELS.items()]
    )
    on_site = BooleanField(_l("Signed on site (else only counted into the totals)"), default=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    key = StringField(
        _l("Key"),
        validators=[Optional(), Length(max=64)],
        description=_l("Optional: your own number for the project; imports match on it."),
    )

    def set_choices(self, conference, sectors: list[str], sessions=()) -> None:
        self.session.choices = [SelectChoice("", "—")] + [
            SelectChoice(code, title) for code, title in sessions
        ]
        self.sector_list = sectors  # offered in a datalist; the rules check a configured list
        self.forum.choices = [SelectChoice("", "—")] + [
            SelectChoice(f.code, localized(f, "name")) for f in conference.forums
        ]

    def raw(self) -> dict:
        return {
            "title": self.title.data,
            "party_a": self.party_a.data,
            "party_b": self.party_b.data,
            "other_parties": self.other_parties.data,
            "region": self.region.data,
            "city": self.city.data,
            "sector": self.sector.data,
            "kind": self.kind.data,
            "amount_wan": self.amount_wan.data,
            "signed_on": self.signed_on.data,
            "forum": self.forum.data,
            "session": self.session.data,
            "status": self.status.data,
            "on_site": bool(self.on_site.data),
            "notes": self.notes.data,
            "key": self.key.data,
        }


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=100)],
        render_kw={"placeholder": _l("Title or party"), "type": "search"},
    )
    region = SelectField(_l("Region"), choices=[], validate_choice=False)
    sector = SelectField(_l("Sector"), choices=[], validate_choice=False)
    forum = SelectField(_l("Forum"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)

    def set_choices(self, conference, choices: dict) -> None:
        everything = SelectChoice("", _l("All"))
        self.region.choices = [everything] + [SelectChoice(r, r) for r in choices["regions"]]
        self.sector.choices = [everything] + [SelectChoice(s, s) for s in choices["sectors"]]
        self.forum.choices = (
            [everything]
            + [SelectChoice(f.code, localized(f, "name")) for f in conference.forums]
            + [SelectChoice("-", _l("(no forum)"))]
        )
        self.kind.choices = [everything] + [SelectChoice(k, v) for k, v in KIND_LABELS.items()]
        self.status.choices = [everything] + [SelectChoice(k, v) for k, v in STATUS_LABELS.items()]

    def values(self) -> dict[str, str]:
        out = {"q": (self.q.data or "").strip()[:100]}
        for name in ("region", "sector", "forum", "kind", "status"):
            value = getattr(self, name).data or ""
            known = {c.value for c in getattr(self, name).choices}
            out[name] = value if value in known else ""
        return out


class UploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[InputRequired()])


class ConfirmImportForm(FlaskForm):
    upload = HiddenField()


class SettingsForm(FlaskForm):
    sectors = TextAreaField(
        _l("Sectors"),
        description=_l(
            "One per line. When the list is set, every project's sector must be one of them."
        ),
        render_kw={"rows": 8},
    )
    last_edition = StringField(
        _l("Last edition (its short name in links)"),
        validators=[Optional(), Length(max=64)],
        description=_l("Link last year's conference to compare this year's tallies with it."),
    )


class ScreenForm(FlaskForm):
    action = HiddenField()
