//! Enrichment of `source.as.*` and `source.geo.*`: lookups against the real
//! data in `../shared/testdata/enrichment` (an IPv4 ASN CSV and a GeoLite2
//! Country database), city-level fields from a database built here, bad
//! databases stopping start-up, fields an input already has, and the
//! `ferrule` binary with `--asn-db`.

#[path = "../../host/src/enrich/mmdb_writer.rs"]
mod mmdb_writer;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};

use ferrule::decode::{Position, RawRecord};
use ferrule::enrich::{Enrich, EnrichmentArgs, from_args};
use ferrule::event::Event;
use ferrule::normalize::normalize_enriched;
use ferrule_layout::Value as FieldValue;
use ferrule_tests::{cloudtrail, ferrule_bin, root, rules_dir, shared_testdata, with};
use mmdb_writer::{MmdbWriter, Value};
use serde_json::{Value as Json, json};

/// A fresh directory under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = root()
        .join("target/test-scratch")
        .join(format!("enrichment-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, contents: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn gzip(contents: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(contents).unwrap();
    encoder.finish().unwrap()
}

fn enricher(asn_db: &[&Path], geo_db: &[&Path]) -> Result<Arc<dyn Enrich>, String> {
    let args = EnrichmentArgs {
        asn_db: asn_db.iter().map(|p| p.to_path_buf()).collect(),
        geo_db: geo_db.iter().map(|p| p.to_path_buf()).collect(),
    };
    from_args(&args).map_err(|error| error.to_string())
}

/// Normalizes `record` as the host does, with `enrich`.
fn enriched(record: &Json, enrich: &dyn Enrich) -> Event {
    let raw = RawRecord {
        position: Position {
            source: "test".into(),
            line: 1,
            record: None,
        },
        json: record.to_string(),
    };
    normalize_enriched(&raw, enrich).expect("the test record normalizes")
}

/// A raw CloudTrail record of a call from `address`.
fn call_from(address: &str) -> Json {
    with(
        cloudtrail("e-1", "cloudtrail.amazonaws.com", "StopLogging"),
        "sourceIPAddress",
        json!(address),
    )
}

fn as_fields(event: &Event) -> Option<(i64, String)> {
    let number = match event.get("source.as.number")? {
        FieldValue::Integer(n) => n,
        other => panic!("source.as.number is {other:?}"),
    };
    Some((
        number,
        event.text("source.as.organization.name")?.to_owned(),
    ))
}

fn float(event: &Event, path: &str) -> Option<f64> {
    match event.get(path)? {
        FieldValue::Float(x) => Some(x),
        other => panic!("{path} is {other:?}"),
    }
}

// ------------------------------------------------------------ real data

/// The enricher over the shared ASN CSV and Country database, loaded once.
fn real_data() -> Option<&'static Arc<dyn Enrich>> {
    static LOADED: OnceLock<Option<Arc<dyn Enrich>>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let dir = shared_testdata()?.join("enrichment");
            let loaded = enricher(
                &[&dir.join("asn-ipv4.csv.gz")],
                &[&dir.join("GeoLite2-Country.mmdb.gz")],
            );
            Some(loaded.expect("the shared databases load"))
        })
        .as_ref()
}

/// An AS number and organisation name.
type AsRow = (i64, &'static str);
/// A country ISO code, country name and continent name.
type CountryRow = (&'static str, &'static str, &'static str);

#[test]
fn real_addresses_get_the_as_and_country_the_data_gives() {
    let Some(enrich) = real_data() else { return };
    assert_eq!(enrich.provides(), ["source.as.", "source.geo."]);
    let us = Some(("US", "United States", "North America"));
    let cases: [(&str, Option<AsRow>, Option<CountryRow>); 11] = [
        // Amazon: S3 (AS 14618) and an Irish AWS network (AS 8987).
        ("3.5.17.1", Some((14618, "Amazon.com, Inc.")), us),
        (
            "52.94.9.1",
            Some((8987, "Amazon Data Services Ireland Ltd")),
            us,
        ),
        ("8.8.8.8", Some((15169, "Google LLC")), us),
        ("13.107.8.1", Some((8075, "Microsoft Corporation")), us),
        // Residential ISPs.
        (
            "24.0.0.1",
            Some((7922, "Comcast Cable Communications, LLC")),
            us,
        ),
        (
            "2.160.0.1",
            Some((3320, "Deutsche Telekom AG")),
            Some(("DE", "Germany", "Europe")),
        ),
        // Overlapping rows in the data: the later-starting range wins.
        (
            "214.95.0.1",
            Some((749, "United States Department of Defense (DoD)")),
            us,
        ),
        (
            "215.0.0.1",
            Some((721, "DoD Network Information Center")),
            us,
        ),
        // In no range, and private or unspecified: nothing.
        ("10.0.0.1", None, None),
        ("0.0.0.1", None, None),
        // The CSV has IPv4 rows only; the Country database has IPv6.
        ("2a00:1450:4001::1", None, Some(("DE", "Germany", "Europe"))),
    ];
    for (address, asn, country) in cases {
        let event = enriched(&call_from(address), &**enrich);
        assert_eq!(event.text("source.ip"), Some(address));
        let got_as = as_fields(&event);
        assert_eq!(
            got_as.as_ref().map(|(n, o)| (*n, o.as_str())),
            asn,
            "AS of {address}"
        );
        let got_country = event.text("source.geo.country_iso_code").map(|iso| {
            (
                iso,
                event.text("source.geo.country_name").unwrap(),
                event.text("source.geo.continent_name").unwrap(),
            )
        });
        assert_eq!(got_country, country, "country of {address}");
        // A Country database has no city, region or location.
        for path in [
            "source.geo.city_name",
            "source.geo.region_name",
            "source.geo.region_iso_code",
        ] {
            assert_eq!(event.text(path), None, "{path} of {address}");
        }
        assert_eq!(float(&event, "source.geo.location.lat"), None);
    }
}

#[test]
fn the_whole_shared_csv_is_loaded() {
    let Some(enrich) = real_data() else { return };
    // The first and the last row of the file.
    assert_eq!(
        as_fields(&enriched(&call_from("1.0.0.1"), &**enrich)),
        Some((13335, "Cloudflare, Inc.".into()))
    );
    assert_eq!(
        as_fields(&enriched(&call_from("223.255.254.200"), &**enrich)),
        Some((55415, "Marina Bay Sands Pte Ltd".into()))
    );
    assert_eq!(
        as_fields(&enriched(&call_from("223.255.255.1"), &**enrich)),
        None
    );
}

// ------------------------------------------------------------ built databases

fn city_database() -> Vec<u8> {
    let mut writer = MmdbWriter::new("GeoLite2-City");
    let names = |en: &str| Value::map([("names", Value::map([("en", Value::text(en))]))]);
    writer.insert(
        "216.160.83.0".parse().unwrap(),
        24,
        Value::map([
            ("city", names("Milton")),
            ("continent", names("North America")),
            (
                "country",
                Value::map([
                    ("iso_code", Value::text("US")),
                    ("names", Value::map([("en", Value::text("United States"))])),
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
        "2001:db8:1::".parse().unwrap(),
        48,
        Value::map([
            ("city", names("Linköping")),
            ("continent", names("Europe")),
            (
                "country",
                Value::map([
                    ("iso_code", Value::text("SE")),
                    ("names", Value::map([("en", Value::text("Sweden"))])),
                ]),
            ),
            (
                "location",
                Value::map([
                    ("latitude", Value::Double(58.4167)),
                    ("longitude", Value::Double(15.6167)),
                ]),
            ),
            (
                "subdivisions",
                Value::Array(vec![Value::map([
                    ("iso_code", Value::text("E")),
                    (
                        "names",
                        Value::map([("en", Value::text("Östergötland County"))]),
                    ),
                ])]),
            ),
        ]),
    );
    writer.to_bytes()
}

fn asn_database() -> Vec<u8> {
    let mut writer = MmdbWriter::new("GeoLite2-ASN");
    writer.insert(
        "216.160.83.0".parse().unwrap(),
        24,
        Value::map([
            ("autonomous_system_number", Value::Uint32(209)),
            (
                "autonomous_system_organization",
                Value::text("CenturyLink Communications, LLC"),
            ),
        ]),
    );
    writer.to_bytes()
}

#[test]
fn city_databases_give_city_region_and_location() {
    let dir = scratch("city");
    let city = write(&dir, "GeoLite2-City.mmdb.gz", &gzip(&city_database()));
    let asn = write(&dir, "GeoLite2-ASN.mmdb", &asn_database());
    let enrich = enricher(&[&asn], &[&city]).unwrap();

    let event = enriched(&call_from("216.160.83.56"), &*enrich);
    assert_eq!(
        as_fields(&event),
        Some((209, "CenturyLink Communications, LLC".into()))
    );
    assert_eq!(event.text("source.geo.city_name"), Some("Milton"));
    assert_eq!(
        event.text("source.geo.continent_name"),
        Some("North America")
    );
    assert_eq!(event.text("source.geo.country_iso_code"), Some("US"));
    assert_eq!(event.text("source.geo.country_name"), Some("United States"));
    assert_eq!(event.text("source.geo.region_iso_code"), Some("US-WA"));
    assert_eq!(event.text("source.geo.region_name"), Some("Washington"));
    assert_eq!(float(&event, "source.geo.location.lat"), Some(47.2513));
    assert_eq!(float(&event, "source.geo.location.lon"), Some(-122.3149));

    let event = enriched(&call_from("2001:db8:1::7"), &*enrich);
    assert_eq!(event.text("source.geo.city_name"), Some("Linköping"));
    assert_eq!(event.text("source.geo.region_iso_code"), Some("SE-E"));
    assert_eq!(
        event.text("source.geo.region_name"),
        Some("Östergötland County")
    );
    assert_eq!(float(&event, "source.geo.location.lon"), Some(15.6167));
    assert_eq!(as_fields(&event), None);

    let outside = enriched(&call_from("216.160.84.1"), &*enrich);
    assert_eq!(outside.text("source.geo.city_name"), None);
    assert_eq!(as_fields(&outside), None);
}

#[test]
fn fields_already_present_are_kept_and_dns_names_get_nothing() {
    let dir = scratch("kept");
    let city = write(&dir, "city.mmdb", &city_database());
    let csv = write(
        &dir,
        "asn.csv",
        b"0.0.0.0,255.255.255.255,64500,Everywhere Networks\n",
    );
    let enrich = enricher(&[&csv], &[&city]).unwrap();

    // An ECS document enriched upstream keeps its own values.
    let upstream = json!({
        "@timestamp": "2026-05-01T12:00:00Z",
        "data_stream": {"dataset": "aws.cloudtrail"},
        "source": {
            "ip": "216.160.83.56",
            "as": {"number": 7018, "organization": {"name": "AT&T Services, Inc."}},
            "geo": {"country_iso_code": "US", "city_name": "Seattle", "location": {"lat": 47.6, "lon": -122.3}}
        }
    });
    let event = enriched(&upstream, &*enrich);
    assert_eq!(
        as_fields(&event),
        Some((7018, "AT&T Services, Inc.".into()))
    );
    assert_eq!(event.text("source.geo.city_name"), Some("Seattle"));
    assert_eq!(float(&event, "source.geo.location.lat"), Some(47.6));
    assert_eq!(
        event.text("source.geo.region_name"),
        None,
        "no second opinion mixed in"
    );

    // The same document without them is enriched.
    let bare = with(upstream, "source", json!({"ip": "216.160.83.56"}));
    let event = enriched(&bare, &*enrich);
    assert_eq!(
        as_fields(&event),
        Some((64500, "Everywhere Networks".into()))
    );
    assert_eq!(event.text("source.geo.city_name"), Some("Milton"));

    // A service's DNS name is an address but not an IP: nothing is added.
    for address in ["ssm.amazonaws.com", "AWS Internal"] {
        let event = enriched(&call_from(address), &*enrich);
        assert_eq!(event.text("source.address"), Some(address));
        assert_eq!(event.text("source.ip"), None);
        assert_eq!(as_fields(&event), None, "{address}");
        assert_eq!(event.text("source.geo.country_iso_code"), None, "{address}");
    }
}

#[test]
fn bad_databases_are_errors_naming_the_file() {
    let dir = scratch("bad");
    let good_csv = write(
        &dir,
        "good.csv",
        b"1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n",
    );
    let message = |asn: &[&Path], geo: &[&Path]| match enricher(asn, geo) {
        Ok(_) => panic!("{asn:?} {geo:?} loaded"),
        Err(message) => message,
    };

    let missing = dir.join("absent.mmdb");
    let error = message(&[&good_csv], &[&missing]);
    assert!(
        error.starts_with(&format!("{}: cannot read", missing.display())),
        "{error}"
    );

    let whole = gzip(&city_database());
    let truncated = write(&dir, "truncated.mmdb.gz", &whole[..whole.len() / 2]);
    let error = message(&[], &[&truncated]);
    assert!(
        error.starts_with(&format!(
            "{}: not a complete gzip stream",
            truncated.display()
        )),
        "{error}"
    );

    let mut noise = Vec::new();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..65_536 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        noise.push((state >> 56) as u8);
    }
    let corrupt = write(&dir, "corrupt.mmdb", &noise);
    let error = message(&[&corrupt], &[]);
    assert!(
        error.starts_with(&format!("{}: not a valid MaxMind DB", corrupt.display())),
        "{error}"
    );

    let malformed = write(
        &dir,
        "malformed.csv.gz",
        &gzip(b"1.0.0.0,1.0.0.255,13335,Cloudflare\n1.0.4.0,1.0.7.255,38803,Gtelecom\n1.0.16.0,1.0.16.255,ARTERIA\n"),
    );
    let error = message(&[&good_csv, &malformed], &[]);
    assert_eq!(
        error,
        format!(
            "{}:3: expected 4 fields (range_start,range_end,asn,organisation), found 3",
            malformed.display()
        )
    );

    let error = message(&[], &[&good_csv]);
    assert!(
        error.contains("good.csv") && error.contains("--geo-db takes a MaxMind DB"),
        "{error}"
    );

    let asn_as_geo = write(&dir, "asn.mmdb", &asn_database());
    let error = message(&[], &[&asn_as_geo]);
    assert!(
        error.contains("asn.mmdb") && error.contains("GeoLite2-ASN"),
        "{error}"
    );
}

#[test]
fn no_database_means_no_enrichment() {
    let enrich = enricher(&[], &[]).unwrap();
    assert!(enrich.provides().is_empty());
    let event = enriched(&call_from("8.8.8.8"), &*enrich);
    assert_eq!(event.text("source.ip"), Some("8.8.8.8"));
    assert_eq!(as_fields(&event), None);
}

// ------------------------------------------------------------ the binary

const SERVICE_ACCOUNT_RULE: &str = "sts-web-identity-k8s-sa-external-asn";

fn web_identity_from(id: &str, address: &str) -> Json {
    let record = with(
        cloudtrail(id, "sts.amazonaws.com", "AssumeRoleWithWebIdentity"),
        "sourceIPAddress",
        json!(address),
    );
    with(
        record,
        "userIdentity",
        json!({"type": "WebIdentityUser", "userName": "system:serviceaccount:payments:api"}),
    )
}

fn run(rules: &Path, extra: &[&std::ffi::OsStr], input: &Path) -> Output {
    Command::new(ferrule_bin())
        .arg("run")
        .arg("--rules")
        .arg(rules)
        .args(extra)
        .arg(input)
        .env("FERRULE_LOG", "warn")
        .output()
        .expect("running ferrule")
}

#[test]
fn the_binary_enriches_events_from_asn_db() {
    let dir = scratch("binary");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    for rule in [SERVICE_ACCOUNT_RULE, "cloudtrail-stop-logging"] {
        std::fs::copy(
            rules_dir().join(format!("{rule}.wasm")),
            rules.join(format!("{rule}.wasm")),
        )
        .unwrap();
    }
    let csv = write(
        &dir,
        "asn.csv",
        b"3.5.0.0,3.5.31.255,14618,\"Amazon.com, Inc.\"\n24.0.0.0,24.23.255.255,7922,\"Comcast Cable Communications, LLC\"\n",
    );
    let lines = [
        call_from("24.0.0.1"),
        web_identity_from("from-home", "24.0.0.1"),
        web_identity_from("from-aws", "3.5.17.1"),
    ];
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let input = write(&dir, "cloudtrail.ndjson", text.as_bytes());

    let output = run(&rules, &["--asn-db".as_ref(), csv.as_os_str()], &input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("no enrichment source configured"),
        "{stderr}"
    );
    let alerts: Vec<Json> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fired: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| {
            (
                a["rule"]["slug"].as_str().unwrap(),
                a["evidence"][0].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fired,
        [
            ("cloudtrail-stop-logging", "e-1"),
            (SERVICE_ACCOUNT_RULE, "from-home")
        ]
    );
    assert_eq!(
        alerts[1]["fields"]["source.as.organization.name"],
        "Comcast Cable Communications, LLC"
    );
    assert_eq!(alerts[1]["fields"]["source.as.number"], 7922);

    // Without the database the rule cannot tell where the call came from:
    // a warning names it at start, and it does not fire.
    let output = run(&rules, &[], &input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("no enrichment source configured") && stderr.contains(SERVICE_ACCOUNT_RULE),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains(SERVICE_ACCOUNT_RULE));
}

#[test]
fn the_binary_refuses_to_start_with_a_corrupt_asn_db() {
    let dir = scratch("binary-corrupt");
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    std::fs::copy(
        rules_dir().join("cloudtrail-stop-logging.wasm"),
        rules.join("cloudtrail-stop-logging.wasm"),
    )
    .unwrap();
    let input = write(
        &dir,
        "cloudtrail.ndjson",
        format!("{}\n", call_from("24.0.0.1")).as_bytes(),
    );
    let corrupt = write(&dir, "GeoLite2-ASN.mmdb", b"\x00\x01\x02 not a database");

    let output = run(&rules, &["--asn-db".as_ref(), corrupt.as_os_str()], &input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: not a valid MaxMind DB", corrupt.display())),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
