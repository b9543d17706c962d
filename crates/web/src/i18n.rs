//! The translation catalogues (Fluent), embedded in the binary: `locales/{fa,en}/main.ftl`.

use std::collections::HashMap;
use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use peyvand_domain::prefs::Language;

/// Every catalogue file, per language; both languages list the same files.
const FA: &[&str] = &[
    include_str!("../locales/fa/main.ftl"),
    include_str!("../locales/fa/sales.ftl"),
    include_str!("../locales/fa/records.ftl"),
    include_str!("../locales/fa/deals.ftl"),
    include_str!("../locales/fa/activities.ftl"),
    include_str!("../locales/fa/imports.ftl"),
];
const EN: &[&str] = &[
    include_str!("../locales/en/main.ftl"),
    include_str!("../locales/en/sales.ftl"),
    include_str!("../locales/en/records.ftl"),
    include_str!("../locales/en/deals.ftl"),
    include_str!("../locales/en/activities.ftl"),
    include_str!("../locales/en/imports.ftl"),
];

/// Both catalogues, loaded once at start.
pub struct Catalogues {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
}

impl std::fmt::Debug for Catalogues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalogues")
    }
}

impl Catalogues {
    pub fn load() -> Arc<Catalogues> {
        let mut bundles = HashMap::new();
        for (lang, sources) in [("fa", FA), ("en", EN)] {
            let id = lang.parse().expect("valid language id");
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Isolation marks would leak into text inputs and SMS; templates use <bdi> instead.
            bundle.set_use_isolating(false);
            for source in sources {
                let res =
                    FluentResource::try_new((*source).to_owned()).unwrap_or_else(|(_, errs)| {
                        panic!("catalogue {lang} does not parse: {errs:?}")
                    });
                bundle
                    .add_resource(res)
                    .unwrap_or_else(|errs| panic!("catalogue {lang} has duplicate ids: {errs:?}"));
            }
            bundles.insert(lang, bundle);
        }
        Arc::new(Catalogues { bundles })
    }

    /// The message `id` in `lang`; the id itself when it is missing (a test checks none is).
    pub fn get(&self, lang: Language, id: &str, args: Option<&FluentArgs>) -> String {
        let bundle = &self.bundles[lang.as_str()];
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut errors = vec![];
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    }

    pub fn has(&self, lang: Language, id: &str) -> bool {
        self.bundles[lang.as_str()].has_message(id)
    }
}

/// A translator bound to one language.
#[derive(Clone, Debug)]
pub struct Tr {
    pub lang: Language,
    catalogues: Arc<Catalogues>,
}

impl Tr {
    pub fn new(catalogues: Arc<Catalogues>, lang: Language) -> Tr {
        Tr { lang, catalogues }
    }

    pub fn t(&self, id: &str) -> String {
        self.catalogues.get(self.lang, id, None)
    }

    pub fn t_with(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        self.catalogues.get(self.lang, id, Some(&args))
    }

    /// A message whose plural form depends on `n` (`{ $count -> [one] … *[other] … }`): the
    /// argument must be a number, a string never selects `[one]`.
    pub fn t_count(&self, id: &str, name: &str, n: i64) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(n));
        self.catalogues.get(self.lang, id, Some(&args))
    }

    /// A message with several arguments.
    pub fn t_args(&self, id: &str, args: &FluentArgs) -> String {
        self.catalogues.get(self.lang, id, Some(args))
    }

    /// The message `id` when the catalogue has it.
    pub fn known(&self, id: &str) -> Option<String> {
        self.catalogues.has(self.lang, id).then(|| self.t(id))
    }

    /// The message for a stable error code such as `email.invalid` (id `err-email-invalid`).
    pub fn error(&self, code: &str) -> String {
        let id = error_id(code);
        if self.catalogues.has(self.lang, &id) {
            self.t(&id)
        } else {
            self.t("err-invalid")
        }
    }
}

/// Fluent ids cannot hold dots: `email.invalid` → `err-email-invalid`.
pub fn error_id(code: &str) -> String {
    format!("err-{}", code.replace(['.', '_'], "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &str) -> Vec<String> {
        src.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .filter_map(|l| l.split('=').next())
            .map(|s| s.trim().to_owned())
            .collect()
    }

    #[test]
    fn catalogues_have_the_same_messages() {
        let mut fa: Vec<String> = FA.iter().flat_map(|s| ids(s)).collect();
        let mut en: Vec<String> = EN.iter().flat_map(|s| ids(s)).collect();
        fa.sort();
        en.sort();
        assert_eq!(fa, en, "fa and en catalogues must define the same ids");
        assert!(fa.len() > 100);
    }

    #[test]
    fn every_code_the_services_emit_is_translated() {
        let c = Catalogues::load();
        for code in crate::KNOWN_ERROR_CODES {
            for lang in [Language::Fa, Language::En] {
                assert!(c.has(lang, &error_id(code)), "{code} missing in {lang:?}");
            }
        }
    }

    #[test]
    fn messages_differ_by_language() {
        let c = Catalogues::load();
        let fa = Tr::new(c.clone(), Language::Fa);
        let en = Tr::new(c, Language::En);
        assert_eq!(en.t("nav-home"), "Home");
        assert_eq!(fa.t("nav-home"), "خانه");
        assert_eq!(en.error("email.invalid"), "Enter a valid email address.");
        assert_eq!(en.t_with("home-welcome", "name", "Sara"), "Welcome, Sara.");
        assert_eq!(fa.error("no.such.code"), fa.t("err-invalid"));
    }
}
