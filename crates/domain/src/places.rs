//! Iran's provinces and cities (Statistical Centre of Iran, 2020; from the iran-cities
//! project, MIT — see data/iran-divisions/LICENSE-MIT.txt), for address pickers and demo data.

const OSTAN: &str = include_str!("../data/iran-divisions/ostan.csv");
const SHAHR: &str = include_str!("../data/iran-divisions/shahr.csv");

/// (id, name) of every province.
pub fn provinces() -> Vec<(u32, &'static str)> {
    OSTAN
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            let id = f.next()?.trim().parse().ok()?;
            Some((id, f.next()?.trim()))
        })
        .collect()
}

/// (name, province id) of every city.
pub fn cities() -> Vec<(&'static str, u32)> {
    SHAHR
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.get(1)?.trim(), f.get(3)?.trim().parse().ok()?))
        })
        .collect()
}

/// Cities of one province, by the province's name.
pub fn cities_of(province: &str) -> Vec<&'static str> {
    let Some((id, _)) = provinces().into_iter().find(|(_, n)| *n == province) else {
        return vec![];
    };
    cities()
        .into_iter()
        .filter(|(_, p)| *p == id)
        .map(|(n, _)| n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_provinces_and_their_cities() {
        let p = provinces();
        assert_eq!(p.len(), 31);
        assert!(p.iter().any(|(_, n)| *n == "تهران"));
        assert!(cities().len() > 1000);
        assert!(cities_of("تهران").contains(&"تهران"));
        assert!(cities_of("اصفهان").contains(&"اصفهان"));
        assert!(cities_of("ناکجاآباد").is_empty());
    }
}
