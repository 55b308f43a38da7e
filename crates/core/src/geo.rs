//! Country names and continents, for providers that describe places in words.
//!
//! Providers describe locations as free text ("Virginia, USA", "Texas, US", "Finland").
//! These tables turn the country part into an ISO 3166-1 alpha-2 code and a continent so
//! regions of every backend can be compared. A country missing here only loses the derived
//! fields; the provider's text is always kept in `Location::raw`.

/// (ISO code, continent, names and common spellings, lower case).
const COUNTRIES: &[(&str, &str, &[&str])] = &[
    (
        "US",
        "North America",
        &["united states", "united states of america", "usa", "us"],
    ),
    ("CA", "North America", &["canada"]),
    ("MX", "North America", &["mexico"]),
    ("BR", "South America", &["brazil"]),
    ("CL", "South America", &["chile"]),
    ("AR", "South America", &["argentina"]),
    ("CO", "South America", &["colombia"]),
    (
        "GB",
        "Europe",
        &[
            "united kingdom",
            "uk",
            "great britain",
            "england",
            "scotland",
        ],
    ),
    ("IE", "Europe", &["ireland"]),
    ("FR", "Europe", &["france"]),
    ("DE", "Europe", &["germany", "deutschland"]),
    (
        "NL",
        "Europe",
        &["netherlands", "the netherlands", "holland"],
    ),
    ("BE", "Europe", &["belgium"]),
    ("LU", "Europe", &["luxembourg"]),
    ("CH", "Europe", &["switzerland"]),
    ("AT", "Europe", &["austria"]),
    ("IT", "Europe", &["italy"]),
    ("ES", "Europe", &["spain"]),
    ("PT", "Europe", &["portugal"]),
    ("SE", "Europe", &["sweden"]),
    ("NO", "Europe", &["norway"]),
    ("FI", "Europe", &["finland"]),
    ("DK", "Europe", &["denmark"]),
    ("IS", "Europe", &["iceland"]),
    ("PL", "Europe", &["poland"]),
    ("CZ", "Europe", &["czechia", "czech republic"]),
    ("RO", "Europe", &["romania"]),
    ("BG", "Europe", &["bulgaria"]),
    ("GR", "Europe", &["greece"]),
    ("HU", "Europe", &["hungary"]),
    ("SK", "Europe", &["slovakia"]),
    ("SI", "Europe", &["slovenia"]),
    ("HR", "Europe", &["croatia"]),
    ("RS", "Europe", &["serbia"]),
    ("EE", "Europe", &["estonia"]),
    ("LV", "Europe", &["latvia"]),
    ("LT", "Europe", &["lithuania"]),
    ("UA", "Europe", &["ukraine"]),
    ("MD", "Europe", &["moldova"]),
    ("RU", "Europe", &["russia", "russian federation"]),
    ("TR", "Asia", &["turkey", "turkiye"]),
    ("IL", "Asia", &["israel"]),
    ("AE", "Asia", &["united arab emirates", "uae"]),
    ("SA", "Asia", &["saudi arabia"]),
    ("QA", "Asia", &["qatar"]),
    ("BH", "Asia", &["bahrain"]),
    ("IN", "Asia", &["india"]),
    ("SG", "Asia", &["singapore"]),
    ("MY", "Asia", &["malaysia"]),
    ("TH", "Asia", &["thailand"]),
    ("VN", "Asia", &["vietnam", "viet nam"]),
    ("ID", "Asia", &["indonesia"]),
    ("PH", "Asia", &["philippines"]),
    ("HK", "Asia", &["hong kong"]),
    ("TW", "Asia", &["taiwan"]),
    ("CN", "Asia", &["china"]),
    ("JP", "Asia", &["japan"]),
    ("KR", "Asia", &["south korea", "korea", "republic of korea"]),
    ("KZ", "Asia", &["kazakhstan"]),
    ("AU", "Oceania", &["australia"]),
    ("NZ", "Oceania", &["new zealand"]),
    ("ZA", "Africa", &["south africa"]),
    ("EG", "Africa", &["egypt"]),
    ("MA", "Africa", &["morocco"]),
    ("NG", "Africa", &["nigeria"]),
    ("KE", "Africa", &["kenya"]),
];

/// The ISO code of a country given by name or by code, case-insensitively.
pub fn country_code(name_or_code: &str) -> Option<&'static str> {
    let wanted = name_or_code.trim().to_ascii_lowercase();
    COUNTRIES
        .iter()
        .find(|(code, _, names)| {
            code.eq_ignore_ascii_case(&wanted) || names.contains(&wanted.as_str())
        })
        .map(|(code, _, _)| *code)
}

/// The continent of an ISO country code.
pub fn continent_of(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, continent, _)| *continent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_names_and_codes_resolve_to_iso_codes() {
        assert_eq!(country_code("USA"), Some("US"));
        assert_eq!(country_code(" germany "), Some("DE"));
        assert_eq!(country_code("fi"), Some("FI"));
        assert_eq!(country_code("Atlantis"), None);
    }

    #[test]
    fn continents_follow_country_codes() {
        assert_eq!(continent_of("jp"), Some("Asia"));
        assert_eq!(continent_of("IS"), Some("Europe"));
        assert_eq!(continent_of("XX"), None);
    }
}
