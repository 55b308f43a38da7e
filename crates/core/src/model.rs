//! The data every backend produces: regions as the provider names them.
//!
//! Region ids are opaque strings chosen by providers. They are never modelled as enums, so a
//! region a provider opens tomorrow works without a release.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A provider's region identifier, kept exactly as the provider spells it. Shared, so that
/// resolutions and exclusions copy a pointer, not the text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RegionId(Arc<str>);

impl RegionId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(Arc::from(id.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Region names are compared case-insensitively everywhere users type them.
    pub fn matches(&self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name)
    }
}

impl fmt::Display for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<&str> for RegionId {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

impl From<String> for RegionId {
    fn from(id: String) -> Self {
        Self(Arc::from(id))
    }
}

/// Whether a region can take new capacity right now, as far as the provider says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RegionStatus {
    /// Open to this account, with capacity as far as the provider reports.
    Available,
    /// Open to this account, but the provider reports little or no capacity now.
    Limited,
    /// Listed by the provider but closed, down or deprecated.
    Unavailable,
    /// Exists but this account has not enabled (opted in to, subscribed to) it.
    NotEnabled,
}

impl RegionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Limited => "limited",
            Self::Unavailable => "unavailable",
            Self::NotEnabled => "not-enabled",
        }
    }
}

impl fmt::Display for RegionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a region is, as far as the provider tells.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// ISO 3166-1 alpha-2 country code, upper case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Continent name in English ("Europe", "North America", ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// The provider's own location text, kept verbatim ("Texas, US", "Virginia, USA").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl Location {
    /// A location from an ISO country code; the continent is filled in when known.
    pub fn in_country(country: &str) -> Self {
        let country = country.trim().to_ascii_uppercase();
        Self {
            continent: crate::geo::continent_of(&country).map(str::to_owned),
            country: Some(country),
            ..Self::default()
        }
    }

    pub fn with_city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    pub fn with_raw(mut self, raw: impl Into<String>) -> Self {
        self.raw = Some(raw.into());
        self
    }

    pub fn with_coordinates(mut self, latitude: f64, longitude: f64) -> Self {
        self.latitude = Some(latitude);
        self.longitude = Some(longitude);
        self
    }

    /// Only the provider's text, when nothing could be derived from it.
    pub fn raw_only(raw: impl Into<String>) -> Self {
        Self::default().with_raw(raw)
    }
}

/// One region of one backend, as discovered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Region {
    pub id: RegionId,
    pub display_name: String,
    pub status: RegionStatus,
    #[serde(default)]
    pub zones: Vec<String>,
    #[serde(default)]
    pub location: Option<Location>,
}

impl Region {
    /// An available region whose display name is its id until told otherwise.
    pub fn new(id: impl Into<RegionId>) -> Self {
        let id = id.into();
        Self {
            display_name: id.as_str().to_owned(),
            id,
            status: RegionStatus::Available,
            zones: Vec::new(),
            location: None,
        }
    }

    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = name.into();
        self
    }

    pub fn with_status(mut self, status: RegionStatus) -> Self {
        self.status = status;
        self
    }

    pub fn with_zones(mut self, zones: Vec<String>) -> Self {
        self.zones = zones;
        self
    }

    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }
}
