//! MaxMind DB files (`.mmdb`): the GeoLite2 / GeoIP2 ASN, City and Country
//! editions, and compatible databases from other vendors.
//!
//! The file is held in memory (decompressed first when gzip) and searched
//! with the `maxminddb` crate. Fields are mapped as Elastic's `geoip`
//! processor maps them, so alerts read the same as in Elastic: English
//! names, the most specific subdivision as the region, and
//! `region_iso_code` as `<country>-<subdivision>` (e.g. `US-WA`).
//!
//! Guarantees: a database is verified whole when it is opened (search tree,
//! data section, metadata), so a damaged file stops start-up instead of
//! failing lookups later. A database whose type says it is the wrong
//! edition for its option (a City database given as `--asn-db`, an ASN one
//! as `--geo-db`) is refused.
//!
//! Limits: verification reads the whole file once at start, which takes
//! noticeable time on the largest editions (see `BENCHMARKS.md`). An IPv4
//! database answers nothing for IPv6 addresses.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::{Reader, geoip2};

use super::EnrichError;
use super::network::{AsInfo, GeoInfo};

/// What a database is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// `source.as.*`, from `--asn-db`.
    Asn,
    /// `source.geo.*`, from `--geo-db`.
    Geo,
}

impl Use {
    fn option(self) -> &'static str {
        match self {
            Use::Asn => "--asn-db",
            Use::Geo => "--geo-db",
        }
    }

    /// Whether a database of `database_type` cannot serve this use. Only
    /// the standard edition names are refused; other types are trusted.
    fn refuses(self, database_type: &str) -> bool {
        let kind = database_type.to_ascii_lowercase();
        let geo = kind.contains("city") || kind.contains("country");
        let asn = kind.contains("asn");
        match self {
            Use::Asn => geo && !asn,
            Use::Geo => asn && !geo,
        }
    }
}

/// An opened MaxMind DB.
pub(crate) struct MmdbDatabase {
    path: PathBuf,
    reader: Reader<Vec<u8>>,
}

impl std::fmt::Debug for MmdbDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MmdbDatabase")
            .field("path", &self.path)
            .field("database_type", &self.reader.metadata().database_type)
            .finish()
    }
}

impl MmdbDatabase {
    /// Opens and verifies `contents`, read from `path`, for `purpose`.
    pub(crate) fn open(
        path: &Path,
        contents: Vec<u8>,
        purpose: Use,
    ) -> Result<MmdbDatabase, EnrichError> {
        let corrupt = |error| EnrichError::Mmdb {
            path: path.to_owned(),
            error,
        };
        let reader = Reader::from_source(contents).map_err(corrupt)?;
        reader.verify().map_err(corrupt)?;
        let database_type = &reader.metadata().database_type;
        if purpose.refuses(database_type) {
            return Err(EnrichError::WrongEdition {
                path: path.to_owned(),
                option: purpose.option(),
                database_type: database_type.clone(),
            });
        }
        Ok(MmdbDatabase {
            path: path.to_owned(),
            reader,
        })
    }

    /// The database's type, as its metadata names it (e.g. `GeoLite2-ASN`).
    pub(crate) fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// What an ASN edition says about `ip`.
    pub(crate) fn asn(&self, ip: IpAddr) -> Option<AsInfo> {
        let record: geoip2::Asn<'_> = self.decode(ip)?;
        let info = AsInfo {
            number: record.autonomous_system_number,
            organization: record.autonomous_system_organization.map(Box::from),
        };
        (info.number.is_some() || info.organization.is_some()).then_some(info)
    }

    /// What a City or Country edition says about `ip`.
    pub(crate) fn geo(&self, ip: IpAddr) -> Option<GeoInfo> {
        let record: geoip2::City<'_> = self.decode(ip)?;
        let subdivision = record.subdivisions.last();
        let region_iso_code = match (
            record.country.iso_code,
            subdivision.and_then(|s| s.iso_code),
        ) {
            (Some(country), Some(region)) => Some(format!("{country}-{region}").into_boxed_str()),
            _ => None,
        };
        let info = GeoInfo {
            continent_name: record.continent.names.english.map(Box::from),
            country_iso_code: record.country.iso_code.map(Box::from),
            country_name: record.country.names.english.map(Box::from),
            region_iso_code,
            region_name: subdivision.and_then(|s| s.names.english).map(Box::from),
            city_name: record.city.names.english.map(Box::from),
            location: record.location.latitude.zip(record.location.longitude),
        };
        (!info.is_empty()).then_some(info)
    }

    fn decode<'a, T: serde::Deserialize<'a>>(&'a self, ip: IpAddr) -> Option<T> {
        if ip.is_ipv6() && self.reader.metadata().ip_version == 4 {
            return None;
        }
        let found = self
            .reader
            .lookup(ip)
            .and_then(|result| result.decode::<T>());
        match found {
            Ok(record) => record,
            Err(error) => {
                // The whole file was verified at open, so this is a record
                // that does not fit the edition's layout; it counts as
                // unknown rather than stopping the stream.
                tracing::trace!(file = %self.path.display(), %ip, %error, "lookup failed");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::mmdb_writer::{MmdbWriter, Value};

    fn city_db() -> Vec<u8> {
        let mut writer = MmdbWriter::new("GeoLite2-City");
        writer.insert(
            "216.160.83.0".parse().unwrap(),
            24,
            Value::map([
                (
                    "city",
                    Value::map([("names", Value::map([("en", Value::text("Milton"))]))]),
                ),
                (
                    "continent",
                    Value::map([
                        ("code", Value::text("NA")),
                        ("names", Value::map([("en", Value::text("North America"))])),
                    ]),
                ),
                (
                    "country",
                    Value::map([
                        ("iso_code", Value::text("US")),
                        (
                            "names",
                            Value::map([
                                ("en", Value::text("United States")),
                                ("de", Value::text("USA")),
                            ]),
                        ),
                    ]),
                ),
                (
                    "location",
                    Value::map([
                        ("latitude", Value::Double(47.2513)),
                        ("longitude", Value::Double(-122.3149)),
                    ]),
                ),
                (
                    "subdivisions",
                    Value::Array(vec![Value::map([
                        ("iso_code", Value::text("WA")),
                        ("names", Value::map([("en", Value::text("Washington"))])),
                    ])]),
                ),
            ]),
        );
        writer.insert(
            "2001:db8::".parse().unwrap(),
            32,
            Value::map([("country", Value::map([("iso_code", Value::text("SE"))]))]),
        );
        writer.to_bytes()
    }

    fn asn_db() -> Vec<u8> {
        let mut writer = MmdbWriter::new("GeoLite2-ASN");
        writer.insert(
            "89.160.20.0".parse().unwrap(),
            24,
            Value::map([
                ("autonomous_system_number", Value::Uint32(29518)),
                (
                    "autonomous_system_organization",
                    Value::text("Bredband2 AB"),
                ),
            ]),
        );
        writer.to_bytes()
    }

    #[test]
    fn city_records_map_to_ecs_geo_fields() {
        let db = MmdbDatabase::open(Path::new("city.mmdb"), city_db(), Use::Geo).unwrap();
        assert_eq!(db.database_type(), "GeoLite2-City");
        let geo = db.geo("216.160.83.56".parse().unwrap()).unwrap();
        assert_eq!(geo.city_name.as_deref(), Some("Milton"));
        assert_eq!(geo.continent_name.as_deref(), Some("North America"));
        assert_eq!(geo.country_iso_code.as_deref(), Some("US"));
        assert_eq!(geo.country_name.as_deref(), Some("United States"));
        assert_eq!(geo.region_name.as_deref(), Some("Washington"));
        assert_eq!(geo.region_iso_code.as_deref(), Some("US-WA"));
        assert_eq!(geo.location, Some((47.2513, -122.3149)));

        let partial = db.geo("2001:db8::1".parse().unwrap()).unwrap();
        assert_eq!(partial.country_iso_code.as_deref(), Some("SE"));
        assert_eq!(
            (partial.city_name, partial.location, partial.region_iso_code),
            (None, None, None)
        );

        assert!(db.geo("216.160.84.1".parse().unwrap()).is_none());
        assert!(db.geo("10.0.0.1".parse().unwrap()).is_none());
    }

    #[test]
    fn asn_records_map_to_ecs_as_fields() {
        let db = MmdbDatabase::open(Path::new("asn.mmdb"), asn_db(), Use::Asn).unwrap();
        let asn = db.asn("89.160.20.156".parse().unwrap()).unwrap();
        assert_eq!(asn.number, Some(29518));
        assert_eq!(asn.organization.as_deref(), Some("Bredband2 AB"));
        assert!(db.asn("89.160.21.1".parse().unwrap()).is_none());
    }

    #[test]
    fn the_wrong_edition_for_an_option_is_refused() {
        let message = MmdbDatabase::open(Path::new("city.mmdb"), city_db(), Use::Asn)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("city.mmdb")
                && message.contains("GeoLite2-City")
                && message.contains("--asn-db"),
            "{message}"
        );
        let message = MmdbDatabase::open(Path::new("asn.mmdb"), asn_db(), Use::Geo)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("asn.mmdb") && message.contains("--geo-db"),
            "{message}"
        );
    }

    #[test]
    fn damaged_files_are_errors_naming_the_file() {
        let mut random = Vec::with_capacity(4096);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..4096 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            random.push(state as u8);
        }
        let message = MmdbDatabase::open(Path::new("random.mmdb"), random, Use::Geo)
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("random.mmdb: "), "{message}");

        let whole = city_db();
        let message = MmdbDatabase::open(
            Path::new("cut.mmdb"),
            whole[..whole.len() - 40].to_vec(),
            Use::Geo,
        )
        .unwrap_err()
        .to_string();
        assert!(message.starts_with("cut.mmdb: "), "{message}");

        // A damaged search tree with intact metadata is caught by verification.
        let mut tree = city_db();
        tree[..64].fill(0xff);
        let message = MmdbDatabase::open(Path::new("tree.mmdb"), tree, Use::Geo)
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("tree.mmdb: "), "{message}");
    }
}
