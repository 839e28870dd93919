//! Cost of enrichment per event, and of loading the shared databases.
//!
//! Run with `cargo bench -p ferrule --bench enrich`. Uses the databases in
//! `../shared/testdata/enrichment` (the 412k-row IPv4 ASN CSV and the
//! GeoLite2 Country database) and skips with a message when they are absent.
//!
//! - `enrich/cache_hit`: one address over and over, both databases set;
//! - `enrich/miss_csv`, `enrich/miss_mmdb`, `enrich/miss_both`: a stream of
//!   distinct addresses, many more than the cache holds, so every event
//!   searches the database(s);
//! - `enrich/no_ip`: an event whose source is a DNS name (the early exit);
//! - `load/asn_csv`: parsing the gzip CSV into the range table;
//! - `load/country_mmdb`: decompressing and verifying the Country database.
//!
//! Each event carries 30 fields, as a normalized CloudTrail event does, so
//! the checks for fields already present cost what they cost in a run.

use std::borrow::Cow;
use std::hint::black_box;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ferrule::enrich::{Enrich, EnrichmentArgs, from_args};
use ferrule::event::{FieldValue, Fields};

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/enrichment");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} is absent", dir.display());
        None
    }
}

fn enricher(asn_db: Vec<PathBuf>, geo_db: Vec<PathBuf>) -> Arc<dyn Enrich> {
    from_args(&EnrichmentArgs { asn_db, geo_db }).expect("the shared databases load")
}

/// Fields a normalized CloudTrail event has before `source.*`.
const OTHER_FIELDS: [&str; 28] = [
    "@timestamp",
    "event.id",
    "event.action",
    "event.provider",
    "event.outcome",
    "event.kind",
    "event.type",
    "event.category",
    "event.original",
    "data_stream.dataset",
    "cloud.provider",
    "cloud.region",
    "cloud.account.id",
    "user.name",
    "user.id",
    "user_agent.original",
    "user_agent.name",
    "user_agent.version",
    "user_agent.os.name",
    "aws.cloudtrail.event_version",
    "aws.cloudtrail.event_type",
    "aws.cloudtrail.user_identity.type",
    "aws.cloudtrail.user_identity.arn",
    "aws.cloudtrail.user_identity.access_key_id",
    "aws.cloudtrail.recipient_account_id",
    "aws.cloudtrail.read_only",
    "aws.cloudtrail.request_parameters",
    "aws.cloudtrail.flattened.request_parameters.name",
];

/// The fields of a normalized event from `address`.
fn event(address: &str) -> Fields<'_> {
    let mut fields = Fields::new();
    for path in OTHER_FIELDS {
        fields.put(path, FieldValue::Text(Cow::Borrowed("value")));
    }
    fields.put("source.address", FieldValue::Text(Cow::Borrowed(address)));
    if address.parse::<std::net::IpAddr>().is_ok() {
        fields.put("source.ip", FieldValue::Text(Cow::Borrowed(address)));
    }
    fields
}

/// 65,536 distinct public-looking IPv4 addresses, spread over the space.
fn addresses() -> Vec<String> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..65_536)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            Ipv4Addr::from((state >> 32) as u32).to_string()
        })
        .collect()
}

fn bench_enrich(c: &mut Criterion) {
    let Some(dir) = shared() else { return };
    let csv = dir.join("asn-ipv4.csv.gz");
    let mmdb = dir.join("GeoLite2-Country.mmdb.gz");
    let both = enricher(vec![csv.clone()], vec![mmdb.clone()]);
    let csv_only = enricher(vec![csv], Vec::new());
    let mmdb_only = enricher(Vec::new(), vec![mmdb]);
    let addresses = addresses();

    let mut group = c.benchmark_group("enrich");
    group.bench_function("cache_hit", |b| {
        b.iter_batched(
            || event("8.8.8.8"),
            |mut fields| {
                both.enrich(&mut fields);
                fields
            },
            BatchSize::SmallInput,
        )
    });
    for (name, enrich) in [
        ("miss_csv", &csv_only),
        ("miss_mmdb", &mmdb_only),
        ("miss_both", &both),
    ] {
        let mut next = addresses.iter().cycle();
        group.bench_function(name, |b| {
            b.iter_batched(
                || event(next.next().expect("cycles forever")),
                |mut fields| {
                    enrich.enrich(&mut fields);
                    fields
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.bench_function("no_ip", |b| {
        b.iter_batched(
            || event("ssm.amazonaws.com"),
            |mut fields| {
                both.enrich(&mut fields);
                fields
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn bench_load(c: &mut Criterion) {
    let Some(dir) = shared() else { return };
    let csv = dir.join("asn-ipv4.csv.gz");
    let mmdb = dir.join("GeoLite2-Country.mmdb.gz");
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("asn_csv", |b| {
        b.iter(|| black_box(enricher(vec![csv.clone()], Vec::new())))
    });
    group.bench_function("country_mmdb", |b| {
        b.iter(|| black_box(enricher(Vec::new(), vec![mmdb.clone()])))
    });
    group.finish();
}

criterion_group!(benches, bench_enrich, bench_load);
criterion_main!(benches);
