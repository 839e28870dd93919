//! The network enricher: `source.as.*` and `source.geo.*` from the address
//! in `source.ip`, through the configured databases and a cache.
//!
//! Guarantees:
//! - only events with a `source.ip` that parses as an IP address are
//!   enriched (a DNS name in `source.address`, such as an AWS service, gets
//!   nothing); an IPv4-mapped IPv6 address is looked up as IPv4;
//! - a field group the event already has is kept whole: an event with any
//!   `source.as.*` field gets no AS fields added, and likewise for
//!   `source.geo.*`, so an ECS document enriched upstream is never mixed
//!   with a second opinion;
//! - databases answer in the order given: for each group, the first that
//!   knows the address wins;
//! - each distinct address is searched once while it stays in the cache
//!   (see [`super::cache`]), whatever the answer, "unknown" included.

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::cache::LookupCache;
use super::csv_ranges::RangeTable;
use super::file::{self, Contents};
use super::mmdb::{MmdbDatabase, Use};
use super::{Enrich, EnrichError};
use crate::event::{FieldValue, Fields};

/// Most addresses the cache holds. An entry is about 300 bytes (key, map
/// slot, the answer and its strings), so the cache stays under 3 MiB.
pub(crate) const CACHE_CAPACITY: usize = 8192;

/// The AS fields; an event with any of them keeps its own.
const AS_FIELDS: [&str; 2] = ["source.as.number", "source.as.organization.name"];

/// The geo fields; an event with any of them keeps its own.
const GEO_FIELDS: [&str; 9] = [
    "source.geo.continent_name",
    "source.geo.country_iso_code",
    "source.geo.country_name",
    "source.geo.region_iso_code",
    "source.geo.region_name",
    "source.geo.city_name",
    "source.geo.location",
    "source.geo.location.lat",
    "source.geo.location.lon",
];

/// What an AS database says about an address.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AsInfo {
    /// `source.as.number`.
    pub(crate) number: Option<u32>,
    /// `source.as.organization.name`.
    pub(crate) organization: Option<Box<str>>,
}

/// What a geo database says about an address.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GeoInfo {
    /// `source.geo.continent_name`.
    pub(crate) continent_name: Option<Box<str>>,
    /// `source.geo.country_iso_code`.
    pub(crate) country_iso_code: Option<Box<str>>,
    /// `source.geo.country_name`.
    pub(crate) country_name: Option<Box<str>>,
    /// `source.geo.region_iso_code`, as `<country>-<subdivision>`.
    pub(crate) region_iso_code: Option<Box<str>>,
    /// `source.geo.region_name`.
    pub(crate) region_name: Option<Box<str>>,
    /// `source.geo.city_name`.
    pub(crate) city_name: Option<Box<str>>,
    /// `source.geo.location` as (latitude, longitude).
    pub(crate) location: Option<(f64, f64)>,
}

impl GeoInfo {
    /// Whether no field is known.
    pub(crate) fn is_empty(&self) -> bool {
        self.continent_name.is_none()
            && self.country_iso_code.is_none()
            && self.country_name.is_none()
            && self.region_iso_code.is_none()
            && self.region_name.is_none()
            && self.city_name.is_none()
            && self.location.is_none()
    }
}

/// A database that maps addresses to AS numbers.
#[derive(Debug)]
enum AsSource {
    Mmdb(MmdbDatabase),
    Ranges(RangeTable),
}

impl AsSource {
    fn lookup(&self, ip: IpAddr) -> Option<AsInfo> {
        match self {
            AsSource::Mmdb(db) => db.asn(ip),
            AsSource::Ranges(table) => table.lookup(ip),
        }
    }
}

/// The answers for one address, as cached.
#[derive(Debug)]
struct Answer {
    asn: Option<AsInfo>,
    geo: Option<GeoInfo>,
}

/// Adds `source.as.*` and `source.geo.*` from the configured databases.
#[derive(Debug)]
pub(crate) struct NetworkEnricher {
    as_sources: Vec<AsSource>,
    geo_sources: Vec<MmdbDatabase>,
    cache: LookupCache<IpAddr, Arc<Answer>>,
}

impl NetworkEnricher {
    /// Loads every database, in order.
    pub(crate) fn load(
        asn_db: &[impl AsRef<Path>],
        geo_db: &[impl AsRef<Path>],
    ) -> Result<Self, EnrichError> {
        let as_sources = asn_db
            .iter()
            .map(|path| load_as_source(path.as_ref()))
            .collect::<Result<_, _>>()?;
        let geo_sources = geo_db
            .iter()
            .map(|path| load_geo_source(path.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(NetworkEnricher {
            as_sources,
            geo_sources,
            cache: LookupCache::new(CACHE_CAPACITY),
        })
    }

    fn search(&self, ip: IpAddr) -> Answer {
        Answer {
            asn: self.as_sources.iter().find_map(|source| source.lookup(ip)),
            geo: self.geo_sources.iter().find_map(|source| source.geo(ip)),
        }
    }
}

fn load_as_source(path: &Path) -> Result<AsSource, EnrichError> {
    let started = Instant::now();
    let source = match file::open(path)? {
        Contents::Mmdb(bytes) => {
            let db = MmdbDatabase::open(path, bytes, Use::Asn)?;
            tracing::info!(
                file = %path.display(),
                database_type = db.database_type(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "AS database loaded"
            );
            AsSource::Mmdb(db)
        }
        Contents::RangeCsv(mut lines) => {
            let (table, size) = RangeTable::parse(path, &mut lines)?;
            tracing::info!(
                file = %path.display(),
                rows = size.rows,
                ranges = size.ranges,
                networks = size.networks,
                organisations = size.organisations,
                heap_kib = size.heap_bytes / 1024,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "AS ranges loaded"
            );
            AsSource::Ranges(table)
        }
    };
    Ok(source)
}

fn load_geo_source(path: &Path) -> Result<MmdbDatabase, EnrichError> {
    let started = Instant::now();
    let Contents::Mmdb(bytes) = file::open(path)? else {
        return Err(EnrichError::NotMmdb {
            path: path.to_owned(),
            option: "--geo-db",
        });
    };
    let db = MmdbDatabase::open(path, bytes, Use::Geo)?;
    tracing::info!(
        file = %path.display(),
        database_type = db.database_type(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "geo database loaded"
    );
    Ok(db)
}

impl Enrich for NetworkEnricher {
    fn enrich(&self, fields: &mut Fields<'_>) {
        let Some(ip) = fields
            .get_text("source.ip")
            .and_then(|text| text.parse::<IpAddr>().ok())
        else {
            return;
        };
        let ip = ip.to_canonical();
        let want_as = !self.as_sources.is_empty() && !AS_FIELDS.iter().any(|path| fields.has(path));
        let want_geo =
            !self.geo_sources.is_empty() && !GEO_FIELDS.iter().any(|path| fields.has(path));
        if !want_as && !want_geo {
            return;
        }

        let answer = self
            .cache
            .get_or_insert_with(ip, || Arc::new(self.search(ip)));
        if want_as && let Some(asn) = &answer.asn {
            if let Some(number) = asn.number {
                fields.put("source.as.number", FieldValue::Integer(i64::from(number)));
            }
            put_text(fields, "source.as.organization.name", &asn.organization);
        }
        if want_geo && let Some(geo) = &answer.geo {
            put_text(fields, "source.geo.continent_name", &geo.continent_name);
            put_text(fields, "source.geo.country_iso_code", &geo.country_iso_code);
            put_text(fields, "source.geo.country_name", &geo.country_name);
            put_text(fields, "source.geo.region_iso_code", &geo.region_iso_code);
            put_text(fields, "source.geo.region_name", &geo.region_name);
            put_text(fields, "source.geo.city_name", &geo.city_name);
            if let Some((lat, lon)) = geo.location {
                fields.put("source.geo.location.lat", FieldValue::Float(lat));
                fields.put("source.geo.location.lon", FieldValue::Float(lon));
            }
        }
    }

    fn provides(&self) -> Vec<&'static str> {
        let mut prefixes = Vec::with_capacity(2);
        if !self.as_sources.is_empty() {
            prefixes.push("source.as.");
        }
        if !self.geo_sources.is_empty() {
            prefixes.push("source.geo.");
        }
        prefixes
    }
}

fn put_text(fields: &mut Fields<'_>, path: &'static str, value: &Option<Box<str>>) {
    if let Some(value) = value {
        fields.put(path, FieldValue::Text(Cow::Owned(String::from(&**value))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::mmdb_writer::{MmdbWriter, Value};

    struct Files(std::path::PathBuf);

    impl Files {
        fn new(test: &str) -> Files {
            let dir =
                std::env::temp_dir().join(format!("ferrule-enrich-{test}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Files(dir)
        }

        fn write(&self, name: &str, contents: &[u8]) -> std::path::PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, contents).unwrap();
            path
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn geo_db() -> Vec<u8> {
        let mut writer = MmdbWriter::new("GeoLite2-City");
        writer.insert(
            "198.51.100.0".parse().unwrap(),
            24,
            Value::map([
                (
                    "country",
                    Value::map([
                        ("iso_code", Value::text("SE")),
                        ("names", Value::map([("en", Value::text("Sweden"))])),
                    ]),
                ),
                (
                    "city",
                    Value::map([("names", Value::map([("en", Value::text("Linköping"))]))]),
                ),
                (
                    "location",
                    Value::map([
                        ("latitude", Value::Double(58.4167)),
                        ("longitude", Value::Double(15.6167)),
                    ]),
                ),
            ]),
        );
        writer.to_bytes()
    }

    fn fields_with_ip(ip: &str) -> Fields<'static> {
        let mut fields = Fields::new();
        fields.put(
            "source.address",
            FieldValue::Text(Cow::Owned(ip.to_owned())),
        );
        fields.put("source.ip", FieldValue::Text(Cow::Owned(ip.to_owned())));
        fields
    }

    fn enriched(enricher: &NetworkEnricher, mut fields: Fields<'static>) -> crate::event::Event {
        enricher.enrich(&mut fields);
        fields.into_event(
            crate::decode::Position {
                source: "t".into(),
                line: 1,
                record: None,
            },
            0,
        )
    }

    #[test]
    fn both_groups_are_added_from_their_sources() {
        let files = Files::new("both");
        let csv = files.write(
            "asn.csv",
            b"198.51.100.0,198.51.100.255,64500,\"Example, Inc.\"\n",
        );
        let city = files.write("city.mmdb", &geo_db());
        let enricher = NetworkEnricher::load(&[csv], &[city]).unwrap();
        assert_eq!(enricher.provides(), vec!["source.as.", "source.geo."]);

        let event = enriched(&enricher, fields_with_ip("198.51.100.7"));
        assert_eq!(
            event.get("source.as.number"),
            Some(ferrule_layout::Value::Integer(64500))
        );
        assert_eq!(
            event.text("source.as.organization.name"),
            Some("Example, Inc.")
        );
        assert_eq!(event.text("source.geo.country_iso_code"), Some("SE"));
        assert_eq!(event.text("source.geo.country_name"), Some("Sweden"));
        assert_eq!(event.text("source.geo.city_name"), Some("Linköping"));
        assert_eq!(
            event.get("source.geo.location.lat"),
            Some(ferrule_layout::Value::Float(58.4167))
        );
        assert_eq!(
            event.get("source.geo.location.lon"),
            Some(ferrule_layout::Value::Float(15.6167))
        );
        assert_eq!(event.text("source.geo.region_name"), None);

        let mapped = enriched(&enricher, fields_with_ip("::ffff:198.51.100.9"));
        assert_eq!(
            mapped.text("source.as.organization.name"),
            Some("Example, Inc.")
        );
    }

    #[test]
    fn the_first_source_that_knows_an_address_wins() {
        let files = Files::new("order");
        let first = files.write("first.csv", b"198.51.100.0,198.51.100.127,64501,First\n");
        let second = files.write("second.csv", b"198.51.100.0,198.51.100.255,64502,Second\n");
        let enricher = NetworkEnricher::load(&[first, second], &[] as &[&Path]).unwrap();
        assert_eq!(enricher.provides(), vec!["source.as."]);
        assert_eq!(
            enriched(&enricher, fields_with_ip("198.51.100.1")).text("source.as.organization.name"),
            Some("First")
        );
        assert_eq!(
            enriched(&enricher, fields_with_ip("198.51.100.201"))
                .text("source.as.organization.name"),
            Some("Second")
        );
        assert_eq!(
            enriched(&enricher, fields_with_ip("203.0.113.1")).get("source.as.number"),
            None
        );
    }

    #[test]
    fn groups_already_present_are_kept_whole() {
        let files = Files::new("kept");
        let csv = files.write("asn.csv", b"198.51.100.0,198.51.100.255,64500,Example\n");
        let city = files.write("city.mmdb", &geo_db());
        let enricher = NetworkEnricher::load(&[csv], &[city]).unwrap();

        let mut fields = fields_with_ip("198.51.100.7");
        fields.put(
            "source.as.organization.name",
            FieldValue::Text(Cow::Borrowed("Upstream Org")),
        );
        fields.put(
            "source.geo.city_name",
            FieldValue::Text(Cow::Borrowed("Upstream City")),
        );
        let event = enriched(&enricher, fields);
        assert_eq!(
            event.text("source.as.organization.name"),
            Some("Upstream Org")
        );
        assert_eq!(event.get("source.as.number"), None);
        assert_eq!(event.text("source.geo.city_name"), Some("Upstream City"));
        assert_eq!(event.text("source.geo.country_iso_code"), None);
    }

    #[test]
    fn events_without_an_ip_address_are_left_alone() {
        let files = Files::new("noip");
        let csv = files.write("asn.csv", b"0.0.0.0,255.255.255.255,64500,Everything\n");
        let enricher = NetworkEnricher::load(&[csv], &[] as &[&Path]).unwrap();
        let mut fields = Fields::new();
        fields.put(
            "source.address",
            FieldValue::Text(Cow::Borrowed("ssm.amazonaws.com")),
        );
        let before = fields.len();
        enricher.enrich(&mut fields);
        assert_eq!(fields.len(), before);
    }

    #[test]
    fn a_geo_database_must_be_a_maxmind_db() {
        let files = Files::new("geocsv");
        let csv = files.write("geo.csv", b"198.51.100.0,198.51.100.255,64500,Example\n");
        let message = NetworkEnricher::load(&[] as &[&Path], &[csv])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("geo.csv") && message.contains("--geo-db"),
            "{message}"
        );
    }

    #[test]
    fn repeated_addresses_share_one_cache_entry() {
        let files = Files::new("cache");
        let csv = files.write("asn.csv", b"198.51.100.0,198.51.100.255,64500,Example\n");
        let enricher = NetworkEnricher::load(&[csv], &[] as &[&Path]).unwrap();
        for _ in 0..3 {
            enriched(&enricher, fields_with_ip("198.51.100.7"));
            enriched(&enricher, fields_with_ip("203.0.113.9"));
        }
        assert_eq!(enricher.cache.len(), 2);
    }
}
