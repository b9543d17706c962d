//! What every HTML page needs: language, direction, preferences, translator, CSRF token, the
//! signed-in user and the navigation.

use axum::extract::{FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use peyvand_domain::access::{Action, RecordType};
use peyvand_domain::calendar;
use peyvand_domain::prefs::{Language, UserPrefs};
use peyvand_services::FieldError;

use crate::AppState;
use crate::auth::{Authed, cookie};
use crate::csrf::CsrfToken;
use crate::i18n::Tr;

pub const LANG_COOKIE: &str = "pv_lang";

#[derive(Clone, Debug)]
pub struct Page {
    pub tr: Tr,
    pub prefs: UserPrefs,
    pub user: Option<Authed>,
    pub csrf: String,
    pub title: String,
    /// The navigation entry to highlight.
    pub nav: &'static str,
    /// Unread notifications of the signed-in user (the bell in the top bar).
    pub unread: i64,
    /// The reader shows IRR amounts in toman (a profile preference, also switched from the
    /// deals pages), so every page shows money the same way.
    pub toman: bool,
}

/// The signed-in user's unread notification count, left in the request by
/// `pages::notifications::count_unread` for [`Page`].
#[derive(Clone, Copy, Debug)]
pub struct Unread(pub i64);

/// Picks the language of a signed-out visitor: their cookie, else their browser, else Persian.
fn visitor_language(headers: &HeaderMap) -> Language {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(|v| v.parse().ok()) {
        return l;
    }
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match accept
        .split(',')
        .next()
        .map(|l| l.trim().to_ascii_lowercase())
    {
        Some(l) if l.starts_with("en") => Language::En,
        _ => Language::Fa,
    }
}

impl Page {
    fn build(state: &AppState, headers: &HeaderMap, ext: &axum::http::Extensions) -> Page {
        let user = ext.get::<Authed>().cloned();
        let prefs = match &user {
            Some(a) => a.prefs,
            None => UserPrefs::for_language(visitor_language(headers)),
        };
        Page {
            tr: Tr::new(state.catalogues.clone(), prefs.language),
            prefs,
            user,
            csrf: ext
                .get::<CsrfToken>()
                .map(|t| t.0.clone())
                .unwrap_or_default(),
            title: String::new(),
            nav: "",
            unread: ext.get::<Unread>().map(|u| u.0).unwrap_or(0),
            toman: prefs.money_unit == peyvand_domain::prefs::MoneyUnit::Toman,
        }
    }

    /// An amount in minor units of `currency`, in the reader's language, digits and toman
    /// choice.
    pub fn money(&self, amount_minor: i64, currency: &str) -> String {
        let c = peyvand_domain::money::Currency::new(currency).unwrap_or_default();
        peyvand_domain::money::format_money(
            &peyvand_domain::money::Money::new(amount_minor, c),
            self.prefs.language,
            self.prefs.digits,
            self.toman,
        )
    }

    /// The hint in a date box: today's date as the reader types dates (their calendar and
    /// digits), e.g. «مثلاً ۱۴۰۵/۰۹/۰۳» or "e.g. 2026-11-24".
    pub fn date_placeholder(&self) -> String {
        let today = chrono::Utc::now()
            .with_timezone(&self.prefs.time_zone)
            .date_naive();
        let shown = peyvand_domain::calendar::format_date(
            today,
            self.prefs.calendar,
            self.prefs.language,
            self.prefs.digits,
            peyvand_domain::calendar::DateStyle::Numeric,
        );
        self.t_with("date-example", "date", shown)
    }

    /// A deal's amount: a deal without one shows a dash, not "0 rials".
    pub fn deal_amount(&self, amount_minor: i64, currency: &str) -> String {
        if amount_minor == 0 {
            "—".into()
        } else {
            self.money(amount_minor, currency)
        }
    }

    pub fn from_request(state: &AppState, req: &Request) -> Page {
        Page::build(state, req.headers(), req.extensions())
    }

    pub fn titled(mut self, title_id: &str, nav: &'static str) -> Page {
        self.title = self.t(title_id);
        self.nav = nav;
        self
    }

    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    pub fn t_with(&self, id: &str, name: &str, value: impl ToString) -> String {
        self.tr.t_with(id, name, value)
    }

    pub fn lang(&self) -> &'static str {
        self.prefs.language.as_str()
    }

    pub fn dir(&self) -> &'static str {
        if self.prefs.language.is_rtl() {
            "rtl"
        } else {
            "ltr"
        }
    }

    /// A timestamp in the user's calendar, time zone and digits.
    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        calendar::format_datetime(t, &self.prefs)
    }

    pub fn opt_datetime(&self, t: Option<DateTime<Utc>>) -> String {
        t.map(|t| self.datetime(t)).unwrap_or_else(|| "—".into())
    }

    /// Today's date in long form, in the user's calendar.
    pub fn today(&self) -> String {
        let today = Utc::now().with_timezone(&self.prefs.time_zone).date_naive();
        calendar::format_date(
            today,
            self.prefs.calendar,
            self.prefs.language,
            self.prefs.digits,
            calendar::DateStyle::LongWithWeekday,
        )
    }

    /// What separates the items of a list in the user's language (`، ` or `, `).
    pub fn list_sep(&self) -> &'static str {
        match self.prefs.language {
            peyvand_domain::prefs::Language::Fa => "، ",
            _ => ", ",
        }
    }

    /// Any text with digits in the user's style.
    pub fn digits(&self, s: impl ToString) -> String {
        self.prefs.apply_digits(&s.to_string())
    }

    /// A counted message (`deal-count`) in the right plural form, in the user's digits.
    pub fn count(&self, id: &str, name: &str, n: i64) -> String {
        self.digits(self.tr.t_count(id, name, n))
    }

    /// A percentage as the language writes it: `۱۰٪` in Persian, `10%` in English, in the
    /// user's digits.
    pub fn percent(&self, n: impl ToString) -> String {
        let sign = match self.prefs.language {
            Language::Fa => '٪',
            Language::En => '%',
        };
        format!("{}{sign}", self.digits(n))
    }

    pub fn can(&self, record_type: &str, action: &str) -> bool {
        let (Some(rt), Some(a)) = (RecordType::parse(record_type), Action::parse(action)) else {
            return false;
        };
        self.user.as_ref().is_some_and(|u| u.actor.can(rt, a))
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.actor.is_admin())
    }

    /// What the bell says to a screen reader: "Notifications, 3 unread".
    pub fn bell_label(&self) -> String {
        self.t_with("notifications-bell", "count", self.digits(self.unread))
    }

    pub fn user_name(&self) -> String {
        self.user
            .as_ref()
            .map(|u| u.user.display_name.clone())
            .unwrap_or_default()
    }

    /// The translated message for a field's error, if the field has one.
    pub fn field_error(&self, errors: &[FieldError], field: &str) -> Option<String> {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| self.tr.error(&e.code))
    }

    /// The name of a pipeline or stage (`what`) as this user reads it: a default one (with a
    /// key) in the user's language (`stage-name-KEY`), one an administrator typed as typed.
    pub fn named(&self, what: &str, name: &str, key: Option<&str>) -> String {
        key.and_then(|k| {
            self.tr
                .known(&format!("{what}-name-{}", k.replace('_', "-")))
        })
        .unwrap_or_else(|| name.to_owned())
    }

    pub fn stage_name(&self, s: &peyvand_services::sales::pipelines::StageView) -> String {
        self.named("stage", &s.name, s.name_key.as_deref())
    }

    pub fn pipeline_name(&self, pl: &peyvand_services::sales::pipelines::PipelineView) -> String {
        self.named("pipeline", &pl.name, pl.name_key.as_deref())
    }

    pub fn role_name(&self, name_fa: &str, name_en: &str) -> String {
        match self.prefs.language {
            Language::Fa => name_fa.to_owned(),
            Language::En => name_en.to_owned(),
        }
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Page::build(state, &parts.headers, &parts.extensions))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Catalogues;

    fn page(lang: Language) -> Page {
        let prefs = UserPrefs::for_language(lang);
        Page {
            tr: Tr::new(Catalogues::load(), lang),
            prefs,
            user: None,
            csrf: String::new(),
            title: String::new(),
            nav: "",
            unread: 0,
            toman: false,
        }
    }

    #[test]
    fn deals_without_an_amount_show_a_dash_and_toman_follows_the_choice() {
        let mut p = page(Language::Fa);
        assert_eq!(p.deal_amount(0, "IRR"), "—");
        assert_eq!(p.deal_amount(12_500_000, "IRR"), "۱۲٬۵۰۰٬۰۰۰ ریال");
        p.toman = true;
        assert_eq!(p.deal_amount(12_500_000, "IRR"), "۱٬۲۵۰٬۰۰۰ تومان");
        assert!(
            p.money(1250, "USD").contains("۱۲٫۵۰"),
            "other currencies are not tomans"
        );
    }

    /// "1 deals" on the board: a count passed as text never selects the singular.
    #[test]
    fn counts_pick_the_plural_form_and_the_users_digits() {
        let en = page(Language::En);
        assert_eq!(en.count("deal-count", "count", 1), "1 deal");
        assert_eq!(en.count("deal-count", "count", 12), "12 deals");
        let fa = page(Language::Fa);
        assert_eq!(fa.count("deal-count", "count", 12), "۱۲ فرصت");
        let mut latin = page(Language::Fa);
        latin.prefs.digits = peyvand_domain::prefs::DigitStyle::Latin;
        assert_eq!(latin.count("deal-count", "count", 3), "3 فرصت");
    }

    #[test]
    fn percentages_use_the_languages_sign() {
        assert_eq!(page(Language::Fa).percent(25), "۲۵٪");
        assert_eq!(page(Language::En).percent(25), "25%");
    }
}
