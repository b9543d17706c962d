//! Realistic Persian demo data: users in teams, companies, contacts, leads, deals with stage
//! history, activities and a few custom fields — deterministic for a seed, written in large
//! multi-row batches so a million contacts load in minutes.
//!
//! Records carry the same search text and identifiers the services would give them, so search,
//! duplicate checks and caller ID work on demo data exactly as on real data. One audit entry
//! records the whole load (not one per generated record).

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use peyvand_domain::sales::{EmailEntry, FieldType, LEAD_SOURCES, PhoneEntry, SelectOption};
use peyvand_domain::{names, places};
use peyvand_store::{
    ActivityRecord, CompanyRecord, ContactRecord, CustomFieldRecord, DealRecord, Json,
    StageChangeRecord, Store,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::ServiceResult;
use crate::accounts::{self, NewUser};
use crate::audit::{self, Ctx};
use crate::sales::{companies, contacts, deals, leads, pipelines};

/// The password of every demo account (printed by the command).
pub const DEMO_PASSWORD: &str = "peyvand-demo-1403";
pub const DEMO_ADMIN: &str = "admin@demo.peyvand.ir";
/// Records per transaction.
const BATCH: usize = 10_000;

#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub contacts: usize,
    pub seed: u64,
}

#[derive(Clone, Debug, Default)]
pub struct DemoSummary {
    pub users: usize,
    pub teams: usize,
    pub companies: usize,
    pub contacts: usize,
    pub leads: usize,
    pub deals: usize,
    pub stage_changes: usize,
    pub activities: usize,
    pub seconds: f64,
}

/// SplitMix64: small, fast and the same on every platform, so a seed always gives the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// A UUIDv7 for a record created at `at`: time-ordered like real ids, random bits from the
    /// seed.
    fn uuid_at(&mut self, at: DateTime<Utc>) -> Uuid {
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&self.next().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis() as u64, &bytes).into_uuid()
    }
}

struct Pools {
    male: Vec<&'static str>,
    female: Vec<&'static str>,
    families: Vec<String>,
    latin: names::LatinSpellings,
    /// (city, province)
    cities: Vec<(&'static str, &'static str)>,
}

impl Pools {
    fn new() -> Pools {
        let mut families = vec![];
        for r in names::regions() {
            families.push(format!("{r}ی"));
            families.push(format!("{r}\u{200C}پور"));
            families.push(format!("{r}\u{200C}زاده"));
        }
        for f in [
            "رضایی",
            "محمدی",
            "حسینی",
            "احمدی",
            "کریمی",
            "موسوی",
            "جعفری",
            "صادقی",
            "رحیمی",
            "هاشمی",
            "قاسمی",
            "نوری",
            "کاظمی",
            "عباسی",
            "مرادی",
        ] {
            families.push(f.to_owned());
        }
        let provinces: BTreeMap<u32, &'static str> = places::provinces().into_iter().collect();
        let mut cities: Vec<(&'static str, &'static str)> = places::cities()
            .into_iter()
            .filter_map(|(c, p)| Some((c, *provinces.get(&p)?)))
            .collect();
        // Big cities more often: the provincial capitals appear ten times over.
        let capitals: Vec<(&'static str, &'static str)> =
            cities.iter().filter(|(c, p)| c == p).copied().collect();
        for _ in 0..10 {
            cities.extend(capitals.iter().copied());
        }
        Pools {
            male: names::male(),
            female: names::female(),
            families,
            latin: names::LatinSpellings::new(&names::latin_spellings()),
            cities,
        }
    }
}

const INDUSTRIES: [&str; 10] = [
    "فناوری اطلاعات",
    "بازرگانی",
    "ساختمان",
    "صنایع غذایی",
    "پتروشیمی",
    "خودرو",
    "نساجی",
    "گردشگری",
    "پخش دارو",
    "لوازم خانگی",
];
const COMPANY_PREFIX: [&str; 6] = ["شرکت", "گروه صنعتی", "بازرگانی", "صنایع", "هلدینگ", "مؤسسه"];
const COMPANY_SUFFIX: [&str; 8] = ["", "گستر", "پارس", "صنعت", "تجارت", "آریا", "سازه", "نوین"];
const JOBS: [&str; 8] = [
    "مدیر عامل",
    "مدیر خرید",
    "کارشناس فروش",
    "مدیر مالی",
    "مهندس فنی",
    "مدیر بازرگانی",
    "کارشناس تدارکات",
    "",
];
const PRODUCTS: [&str; 8] = [
    "قرارداد پشتیبانی",
    "خرید تجهیزات",
    "لایسنس نرم‌افزار",
    "پروژه نصب",
    "سفارش عمده",
    "تمدید قرارداد",
    "مشاوره",
    "آموزش کارکنان",
];
const MAIL_DOMAINS: [&str; 5] = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "chmail.ir",
    "example.ir",
];
const TIERS: [(&str, &str, &str); 4] = [
    ("gold", "طلایی", "Gold"),
    ("silver", "نقره‌ای", "Silver"),
    ("bronze", "برنزی", "Bronze"),
    ("new", "جدید", "New"),
];

/// A valid Iranian national code (the tenth digit is the check digit).
fn national_code(rng: &mut Rng) -> String {
    let digits: Vec<u32> = (0..9).map(|_| rng.below(10) as u32).collect();
    let s: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    let r = s % 11;
    let check = if r < 2 { r } else { 11 - r };
    let mut out: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
    out.push(char::from(b'0' + check as u8));
    out
}

fn mobile(rng: &mut Rng) -> String {
    let op = *rng.pick(&["912", "935", "936", "901", "919", "921", "990", "913"]);
    format!("+98{op}{:07}", rng.below(10_000_000))
}

fn landline(rng: &mut Rng, area: &str) -> String {
    format!("+98{area}{:08}", rng.below(100_000_000))
}

/// Fills the database with demo data; `progress` is told each step's counts.
pub async fn seed(
    store: &Store,
    ctx: &Ctx,
    opts: &DemoOptions,
    mut progress: impl FnMut(&str),
) -> ServiceResult<DemoSummary> {
    let started = Instant::now();
    let mut rng = Rng(opts.seed ^ 0x5045_5956_414E_4421);
    let pools = Pools::new();
    let mut sum = DemoSummary::default();
    // A fixed clock for the whole run: midnight today, so a seed gives the same data all day.
    let now = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let two_years = 730 * 24 * 3600;
    let past = |rng: &mut Rng| now - Duration::seconds(rng.below(two_years) as i64 + 3600);
    // A moment between `since` and now: a contact's deals and activities come after it.
    let after = |rng: &mut Rng, since: DateTime<Utc>| {
        let span = (now - since).num_seconds().max(1) as usize;
        since + Duration::seconds(rng.below(span) as i64)
    };

    // ---- users and teams ----
    let admin = match store.user_by_email(DEMO_ADMIN).await? {
        Some(u) => u,
        None => {
            sum.users += 1;
            accounts::create_user(
                store,
                ctx,
                None,
                &NewUser {
                    email: DEMO_ADMIN.into(),
                    display_name: "مدیر سامانه".into(),
                    password: DEMO_PASSWORD.into(),
                    role: "admin".into(),
                    language: Some("fa".into()),
                    team_ids: vec![],
                },
            )
            .await?
        }
    };
    let admin_actor = crate::auth::actor_for(store, &admin).await?;
    let mut owners: Vec<Uuid> = vec![];
    for (t, team_name) in ["تیم فروش تهران", "تیم فروش اصفهان"].iter().enumerate()
    {
        let team = match store
            .list_teams()
            .await?
            .into_iter()
            .find(|x| x.name == *team_name)
        {
            Some(team) => team,
            None => {
                sum.teams += 1;
                accounts::create_team(store, ctx, &admin_actor, team_name).await?
            }
        };
        let people: [(&str, &str, &str); 4] = if t == 0 {
            [
                ("manager1", "سارا محمدی", "manager"),
                ("sales1", "علی رضایی", "sales"),
                ("sales2", "مریم کریمی", "sales"),
                ("sales3", "حسین احمدی", "sales"),
            ]
        } else {
            [
                ("manager2", "رضا صادقی", "manager"),
                ("sales4", "زهرا موسوی", "sales"),
                ("sales5", "محمد جعفری", "sales"),
                ("sales6", "فاطمه هاشمی", "sales"),
            ]
        };
        for (local, name, role) in people {
            let email = format!("{local}@demo.peyvand.ir");
            let user = match store.user_by_email(&email).await? {
                Some(u) => u,
                None => {
                    sum.users += 1;
                    accounts::create_user(
                        store,
                        ctx,
                        None,
                        &NewUser {
                            email,
                            display_name: name.into(),
                            password: DEMO_PASSWORD.into(),
                            role: role.into(),
                            language: Some("fa".into()),
                            team_ids: vec![team.id],
                        },
                    )
                    .await?
                }
            };
            owners.push(user.id);
        }
    }
    progress(&format!("users: {} new", sum.users));

    // ---- custom fields ----
    let mut tx = store.begin().await?;
    for (position, key, fa, en, field_type, options) in [
        (
            0,
            "tier",
            "سطح مشتری",
            "Customer tier",
            "select",
            TIERS
                .iter()
                .map(|(k, fa, en)| SelectOption {
                    key: (*k).into(),
                    label_fa: (*fa).into(),
                    label_en: (*en).into(),
                })
                .collect::<Vec<_>>(),
        ),
        (1, "score", "امتیاز", "Score", "number", vec![]),
        (2, "vip", "مشتری ویژه", "VIP", "boolean", vec![]),
    ] {
        if store
            .custom_fields("contact")
            .await?
            .iter()
            .any(|f| f.key == key)
        {
            continue;
        }
        store
            .insert_custom_field(
                &mut tx,
                &CustomFieldRecord {
                    id: rng.uuid_at(now),
                    record_type: "contact".into(),
                    key: key.into(),
                    label_fa: fa.into(),
                    label_en: en.into(),
                    // The stored name is the domain's own, so the field is usable at once.
                    field_type: FieldType::parse(field_type)
                        .expect("a demo field type")
                        .as_str()
                        .into(),
                    options: Json(options),
                    required: false,
                    position,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                },
            )
            .await?;
    }
    tx.commit().await?;

    // ---- companies ----
    let n_companies = (opts.contacts / 10).max(1);
    let mut company_names: Vec<(Uuid, String, Uuid)> = Vec::with_capacity(n_companies);
    let mut done = 0;
    while done < n_companies {
        let n = BATCH.min(n_companies - done);
        let mut rows = Vec::with_capacity(n);
        let mut ids = vec![];
        for _ in 0..n {
            let at = past(&mut rng);
            let (city, province) = *rng.pick(&pools.cities);
            let region = rng.pick(&pools.families).clone();
            let name = format!(
                "{} {} {}",
                rng.pick(&COMPANY_PREFIX),
                region.trim_end_matches('ی'),
                rng.pick(&COMPANY_SUFFIX)
            )
            .trim()
            .to_owned();
            let latin = pools.latin.latin_of(region.trim_end_matches('ی'));
            let c = CompanyRecord {
                id: rng.uuid_at(at),
                name: name.clone(),
                industry: rng.pick(&INDUSTRIES).to_string(),
                website: format!("https://{latin}.example.ir"),
                phones: Json(vec![PhoneEntry {
                    number: landline(&mut rng, "21"),
                    label: "office".into(),
                }]),
                emails: Json(vec![EmailEntry {
                    address: format!("info@{latin}.example.ir"),
                    label: "work".into(),
                }]),
                social: Json(BTreeMap::new()),
                province: province.into(),
                city: city.into(),
                address: String::new(),
                postal_code: String::new(),
                national_id: None,
                economic_code: String::new(),
                employees: Some(5 + rng.below(2000) as i64),
                tags: Json(vec![]),
                owner_id: *rng.pick(&owners),
                custom: Json(Map::new()),
                created_at: at,
                updated_at: at,
                deleted_at: None,
            };
            for (k, v) in companies::identifiers(&c) {
                ids.push((k, v, "company", c.id));
            }
            company_names.push((c.id, name, c.owner_id));
            let st = companies::search_text(&c);
            rows.push((c, st));
        }
        let mut tx = store.begin().await?;
        store.insert_companies(&mut tx, &rows).await?;
        store.insert_identifiers_bulk(&mut tx, &ids).await?;
        tx.commit().await?;
        done += n;
        sum.companies += n;
    }
    progress(&format!("companies: {}", sum.companies));

    // ---- contacts ----
    // (id, full name, owner, created): deals and activities are about these people.
    let mut contact_names: Vec<(Uuid, String, Uuid, DateTime<Utc>)> =
        Vec::with_capacity(opts.contacts);
    let mut done = 0;
    while done < opts.contacts {
        let n = BATCH.min(opts.contacts - done);
        let mut rows = Vec::with_capacity(n);
        let mut ids = vec![];
        for i in 0..n {
            let at = past(&mut rng);
            let female = rng.chance(48);
            let first = if female {
                *rng.pick(&pools.female)
            } else {
                *rng.pick(&pools.male)
            };
            let last = rng.pick(&pools.families).clone();
            let (city, province) = *rng.pick(&pools.cities);
            let company = if rng.chance(60) {
                Some(rng.pick(&company_names).clone())
            } else {
                None
            };
            let mut phones = vec![PhoneEntry {
                number: mobile(&mut rng),
                label: "mobile".into(),
            }];
            if rng.chance(15) {
                phones.push(PhoneEntry {
                    number: landline(&mut rng, "21"),
                    label: "work".into(),
                });
            }
            let emails = if rng.chance(70) {
                vec![EmailEntry {
                    address: format!(
                        "{}.{}{}@{}",
                        pools.latin.latin_of(first),
                        pools.latin.latin_of(&last),
                        (done + i) % 1000,
                        rng.pick(&MAIL_DOMAINS)
                    ),
                    label: String::new(),
                }]
            } else {
                vec![]
            };
            let birth = NaiveDate::from_ymd_opt(1950 + rng.below(56) as i32, 1, 1).expect("a year")
                + Duration::days(rng.below(365) as i64);
            let mut custom = Map::new();
            custom.insert("tier".into(), json!(rng.pick(&TIERS).0));
            custom.insert("score".into(), json!(rng.below(101)));
            if rng.chance(10) {
                custom.insert("vip".into(), Value::Bool(true));
            }
            let owner = match &company {
                Some((_, _, o)) if rng.chance(70) => *o,
                _ => *rng.pick(&owners),
            };
            let c = ContactRecord {
                id: rng.uuid_at(at),
                first_name: first.into(),
                last_name: last,
                company_id: company.as_ref().map(|c| c.0),
                job_title: rng.pick(&JOBS).to_string(),
                phones: Json(phones),
                emails: Json(emails),
                website: String::new(),
                social: Json(BTreeMap::new()),
                province: province.into(),
                city: city.into(),
                address: String::new(),
                national_id: rng.chance(30).then(|| national_code(&mut rng)),
                birth_date: rng.chance(60).then_some(birth),
                anniversary_date: None,
                preferred_channel: rng.pick(&["", "phone", "sms", "email"]).to_string(),
                tags: Json(vec![]),
                owner_id: owner,
                custom: Json(custom),
                created_at: at,
                updated_at: at,
                deleted_at: None,
            };
            for (k, v) in contacts::identifiers(&c) {
                ids.push((k, v, "contact", c.id));
            }
            let st = contacts::search_text(
                &c,
                company.as_ref().map(|x| x.1.as_str()).unwrap_or_default(),
            );
            contact_names.push((c.id, c.full_name(), c.owner_id, c.created_at));
            rows.push((c, st));
        }
        let mut tx = store.begin().await?;
        store.insert_contacts(&mut tx, &rows).await?;
        store.insert_identifiers_bulk(&mut tx, &ids).await?;
        tx.commit().await?;
        done += n;
        sum.contacts += n;
        if done % 100_000 == 0 || done == opts.contacts {
            progress(&format!(
                "contacts: {done} of {} ({:.0} s)",
                opts.contacts,
                started.elapsed().as_secs_f64()
            ));
        }
    }

    // ---- leads ----
    let n_leads = (opts.contacts / 5).max(1);
    let mut done = 0;
    while done < n_leads {
        let n = BATCH.min(n_leads - done);
        let mut rows = Vec::with_capacity(n);
        let mut ids = vec![];
        for _ in 0..n {
            let at = past(&mut rng);
            let mut l = leads::empty(*rng.pick(&owners), at);
            l.id = rng.uuid_at(at);
            let pool = if rng.chance(50) {
                &pools.female
            } else {
                &pools.male
            };
            l.first_name = rng.pick(pool).to_string();
            l.last_name = rng.pick(&pools.families).clone();
            if rng.chance(40) {
                l.company_name = rng.pick(&company_names).1.clone();
            }
            l.phone = Some(mobile(&mut rng));
            if rng.chance(50) {
                l.email = Some(format!(
                    "{}{}@{}",
                    pools.latin.latin_of(&l.first_name),
                    rng.below(1000),
                    rng.pick(&MAIL_DOMAINS)
                ));
            }
            l.source = rng.pick(&LEAD_SOURCES).to_string();
            l.campaign = if l.source == "campaign" {
                rng.pick(&["نوروز", "یلدا", "جشنواره تابستان"]).to_string()
            } else {
                String::new()
            };
            let age = (now - at).num_days();
            l.status = match rng.below(10) {
                0..=2 if age < 60 => "new",
                0..=4 => "working",
                5..=6 => "qualified",
                7 => "disqualified",
                _ => "working",
            }
            .into();
            if l.status == "disqualified" {
                l.disqualify_reason = "بودجه ندارد".into();
            }
            if l.status != "new" {
                l.first_contact_at = Some(at + Duration::hours(1 + rng.below(48) as i64));
                l.contact_count = 1 + rng.below(6) as i64;
            }
            for (k, v) in leads::identifiers(&l) {
                ids.push((k, v, "lead", l.id));
            }
            let st = leads::search_text(&l);
            rows.push((l, st));
        }
        let mut tx = store.begin().await?;
        store.insert_leads(&mut tx, &rows).await?;
        store.insert_identifiers_bulk(&mut tx, &ids).await?;
        tx.commit().await?;
        done += n;
        sum.leads += n;
    }
    progress(&format!("leads: {}", sum.leads));

    // ---- deals with their stage history ----
    let pipeline = pipelines::default_pipeline(store).await?;
    let stages = store.stages(pipeline.id).await?;
    let open: Vec<usize> = (0..stages.len())
        .filter(|i| stages[*i].kind == "open")
        .collect();
    let won = stages.iter().position(|s| s.kind == "won");
    let lost = stages.iter().position(|s| s.kind == "lost");
    let n_deals = (opts.contacts / 5).clamp(1, 200_000);
    let mut done = 0;
    while done < n_deals {
        let n = BATCH.min(n_deals - done);
        let mut rows = Vec::with_capacity(n);
        let mut history = vec![];
        for _ in 0..n {
            let (contact_id, contact_name, owner, since) = rng.pick(&contact_names).clone();
            let at = after(&mut rng, since);
            let company = rng.chance(50).then(|| rng.pick(&company_names).clone());
            // Where it ended: mostly still open, some won, some lost.
            let target = match rng.below(10) {
                0..=1 => won,
                2 => lost,
                _ => None,
            }
            .unwrap_or_else(|| *rng.pick(&open));
            let path: Vec<usize> = open
                .iter()
                .copied()
                .take_while(|i| *i < target)
                .take(1 + rng.below(open.len()))
                .chain(std::iter::once(target))
                .collect();
            let mut d = DealRecord {
                id: rng.uuid_at(at),
                title: format!(
                    "{} {}",
                    rng.pick(&PRODUCTS),
                    company
                        .as_ref()
                        .map(|c| c.1.as_str())
                        .unwrap_or(&contact_name)
                ),
                pipeline_id: pipeline.id,
                stage_id: stages[target].id,
                amount_minor: (5 + rng.below(5000) as i64) * 1_000_000,
                currency: "IRR".into(),
                expected_close_date: Some(
                    (at + Duration::days(30 + rng.below(90) as i64)).date_naive(),
                ),
                contact_id: Some(contact_id),
                company_id: company.as_ref().map(|c| c.0),
                lead_id: None,
                lost_reason: String::new(),
                closed_at: None,
                stage_changed_at: at,
                owner_id: owner,
                custom: Json(Map::new()),
                created_at: at,
                updated_at: at,
                deleted_at: None,
            };
            let mut when = at;
            let mut from = None;
            for s in &path {
                history.push(StageChangeRecord {
                    id: rng.uuid_at(when),
                    deal_id: d.id,
                    from_stage_id: from,
                    to_stage_id: stages[*s].id,
                    changed_at: when,
                    changed_by: Some(owner),
                });
                from = Some(stages[*s].id);
                d.stage_changed_at = when;
                let step = Duration::hours(6 + rng.below(24 * 20) as i64);
                when = (when + step).min(now);
            }
            match stages[target].kind.as_str() {
                "won" => d.closed_at = Some(d.stage_changed_at),
                "lost" => {
                    d.closed_at = Some(d.stage_changed_at);
                    d.lost_reason = rng
                        .pick(&["قیمت بالا", "انتخاب رقیب", "لغو پروژه"])
                        .to_string();
                }
                _ => {}
            }
            d.updated_at = d.stage_changed_at;
            let st = deals::search_text(
                &d,
                &contact_name,
                company.as_ref().map(|c| c.1.as_str()).unwrap_or_default(),
            );
            rows.push((d, st));
        }
        let mut tx = store.begin().await?;
        store.insert_deals(&mut tx, &rows).await?;
        store.insert_stage_changes_bulk(&mut tx, &history).await?;
        tx.commit().await?;
        done += n;
        sum.deals += n;
        sum.stage_changes += history.len();
    }
    progress(&format!(
        "deals: {} ({} stage changes)",
        sum.deals, sum.stage_changes
    ));

    // ---- activities ----
    let n_activities = (opts.contacts / 4).max(1);
    let mut done = 0;
    while done < n_activities {
        let n = BATCH.min(n_activities - done);
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let (contact_id, contact_name, owner, since) = rng.pick(&contact_names).clone();
            let created = after(&mut rng, since);
            // A few in the coming two weeks, the rest in the past (mostly done).
            let due = if rng.chance(10) {
                now + Duration::minutes(rng.below(14 * 24 * 60) as i64)
            } else {
                created + Duration::hours(rng.below(72) as i64)
            };
            let kind = *rng.pick(&["call", "meeting", "task", "note"]);
            let subject = match kind {
                "call" => format!("تماس با {contact_name}"),
                "meeting" => format!("جلسه با {contact_name}"),
                "task" => format!("ارسال پیش‌فاکتور برای {contact_name}"),
                _ => format!("یادداشت درباره {contact_name}"),
            };
            let done_at = (due < now && rng.chance(85)).then_some(due);
            rows.push(ActivityRecord {
                id: rng.uuid_at(created),
                kind: kind.into(),
                subject,
                notes: String::new(),
                outcome: if done_at.is_some() && kind == "call" {
                    rng.pick(&["connected", "no_answer", "busy"]).to_string()
                } else {
                    String::new()
                },
                due_at: (kind != "note").then_some(due),
                remind_at: None,
                done_at,
                owner_id: owner,
                contact_id: Some(contact_id),
                company_id: None,
                lead_id: None,
                deal_id: None,
                custom: peyvand_store::Json(Default::default()),
                reminded_at: None,
                created_by: Some(owner),
                created_at: created,
                updated_at: created,
                deleted_at: None,
            });
        }
        let mut tx = store.begin().await?;
        store.insert_activities_bulk(&mut tx, &rows).await?;
        tx.commit().await?;
        done += n;
        sum.activities += n;
    }
    progress(&format!("activities: {}", sum.activities));

    store.analyze().await?;
    let mut tx = store.begin().await?;
    audit::record(
        store,
        &mut tx,
        ctx,
        "demo_seed",
        "system",
        None,
        json!({"seed": opts.seed, "companies": sum.companies, "contacts": sum.contacts, "leads": sum.leads,
               "deals": sum.deals, "activities": sum.activities}),
    )
    .await?;
    tx.commit().await?;
    sum.seconds = started.elapsed().as_secs_f64();
    Ok(sum)
}

/// A contacts file for import benchmarks and tests: what it holds besides good rows.
pub struct SampleFile {
    pub csv: Vec<u8>,
    pub rows: usize,
    /// Rows with a value validation refuses (a bad phone, an impossible Jalali date).
    pub bad: usize,
    /// Rows repeating an earlier row's mobile number (duplicates within the file).
    pub repeats: usize,
}

fn csv_cell(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// A CSV of `rows` contacts as people export them from spreadsheets: Persian headers, mobile
/// numbers in every common spelling (`0912 …`, Persian digits, `+98 …`), Jalali birth dates,
/// companies named by text, tags in one cell. About 1% of rows are invalid and 2% repeat an
/// earlier person, so an import of it exercises validation and duplicate handling.
pub fn contacts_csv(rows: usize, seed: u64) -> SampleFile {
    let mut rng = Rng(seed ^ 0x494D_504F_5254);
    let pools = Pools::new();
    let companies: Vec<String> = (0..(rows / 50).max(1))
        .map(|_| {
            format!(
                "{} {} {}",
                rng.pick(&COMPANY_PREFIX),
                rng.pick(&pools.families).trim_end_matches('ی'),
                rng.pick(&COMPANY_SUFFIX)
            )
            .trim()
            .to_owned()
        })
        .collect();
    let mut out = String::with_capacity(rows * 160);
    out.push_str("نام,نام خانوادگی,موبایل,ایمیل,استان,شهر,تاریخ تولد,کد ملی,شرکت,سمت,برچسب‌ها\n");
    let (mut bad, mut repeats) = (0, 0);
    let mut mobiles: Vec<String> = Vec::with_capacity(rows);
    for i in 0..rows {
        let first = if rng.chance(48) {
            *rng.pick(&pools.female)
        } else {
            *rng.pick(&pools.male)
        };
        let last = rng.pick(&pools.families).clone();
        let (city, province) = *rng.pick(&pools.cities);
        let e164 = if i > 100 && rng.chance(2) {
            repeats += 1;
            mobiles[rng.below(mobiles.len())].clone()
        } else {
            mobile(&mut rng)
        };
        let local = format!("0{}", &e164[3..]);
        let mut phone = match rng.below(4) {
            0 => format!("{} {} {}", &local[..4], &local[4..7], &local[7..]),
            1 => peyvand_domain::digits::to_persian(&local),
            2 => format!("+98 {} {}", &e164[3..6], &e164[6..]),
            _ => local,
        };
        let mut birth = format!(
            "{}/{:02}/{:02}",
            1330 + rng.below(55),
            1 + rng.below(12),
            1 + rng.below(29)
        );
        if rng.chance(1) {
            bad += 1;
            if rng.chance(50) {
                phone = format!("{}", rng.below(99_999));
            } else {
                birth = "1401/13/40".into();
            }
        }
        mobiles.push(e164);
        let email = if rng.chance(70) {
            format!(
                "{}.{}{}@{}",
                pools.latin.latin_of(first),
                pools.latin.latin_of(&last),
                i % 10_000,
                rng.pick(&MAIL_DOMAINS)
            )
        } else {
            String::new()
        };
        let national_id = if rng.chance(30) {
            national_code(&mut rng)
        } else {
            String::new()
        };
        let company = if rng.chance(50) {
            rng.pick(&companies).as_str()
        } else {
            ""
        };
        let tags = match rng.below(4) {
            0 => "نمایشگاه ۱۴۰۳",
            1 => "vip، تهران",
            _ => "",
        };
        let job = *rng.pick(&JOBS);
        for (n, cell) in [
            first,
            &last,
            &phone,
            &email,
            province,
            city,
            &birth,
            &national_id,
            company,
            job,
            tags,
        ]
        .iter()
        .enumerate()
        {
            if n > 0 {
                out.push(',');
            }
            csv_cell(&mut out, cell);
        }
        out.push('\n');
    }
    SampleFile {
        csv: out.into_bytes(),
        rows,
        bad,
        repeats,
    }
}
