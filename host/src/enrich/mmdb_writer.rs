//! A minimal writer of the MaxMind DB format, for tests: builds small City
//! and ASN databases so lookups can be tested without shipping a file.
//!
//! Used by the unit tests beside it and, through a `#[path]` module, by the
//! end-to-end tests in `tests/tests/enrichment.rs`, so it depends on `std`
//! only.
//!
//! What it writes: an IPv6 database (IPv4 networks under `::/96`, where
//! readers look for them) with 32-bit records, each value stored once
//! without pointers, and the metadata readers require.
//!
//! Limits: a network inserted over a broader one splits it; a network
//! inserted over narrower ones replaces them. There is no deduplication of
//! values and no IPv4-only layout.

use std::net::IpAddr;

/// A value in the data section.
#[derive(Debug, Clone)]
pub enum Value {
    /// A map from keys to values.
    Map(Vec<(String, Value)>),
    /// A UTF-8 string.
    Text(String),
    /// An unsigned 16-bit integer.
    Uint16(u16),
    /// An unsigned 32-bit integer.
    Uint32(u32),
    /// An unsigned 64-bit integer.
    Uint64(u64),
    /// A double.
    Double(f64),
    /// An array.
    Array(Vec<Value>),
}

impl Value {
    /// A map of `entries`.
    pub fn map<const N: usize>(entries: [(&str, Value); N]) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
        )
    }

    /// A string.
    pub fn text(text: &str) -> Value {
        Value::Text(text.to_owned())
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Map(entries) => {
                control(out, 7, entries.len());
                for (key, value) in entries {
                    Value::Text(key.clone()).encode(out);
                    value.encode(out);
                }
            }
            Value::Text(text) => {
                control(out, 2, text.len());
                out.extend_from_slice(text.as_bytes());
            }
            Value::Uint16(n) => unsigned(out, 5, u64::from(*n)),
            Value::Uint32(n) => unsigned(out, 6, u64::from(*n)),
            Value::Uint64(n) => unsigned(out, 9, *n),
            Value::Double(x) => {
                control(out, 3, 8);
                out.extend_from_slice(&x.to_be_bytes());
            }
            Value::Array(items) => {
                control(out, 11, items.len());
                for item in items {
                    item.encode(out);
                }
            }
        }
    }
}

/// A control byte (plus extended type and size bytes) for `kind`, `size`.
fn control(out: &mut Vec<u8>, kind: u8, size: usize) {
    let (size_bits, extra): (u8, Vec<u8>) = match size {
        0..29 => (size as u8, Vec::new()),
        29..285 => (29, vec![(size - 29) as u8]),
        285..65_821 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec()),
    };
    if kind <= 7 {
        out.push((kind << 5) | size_bits);
    } else {
        out.push(size_bits);
        out.push(kind - 7);
    }
    out.extend_from_slice(&extra);
}

fn unsigned(out: &mut Vec<u8>, kind: u8, n: u64) {
    let bytes = n.to_be_bytes();
    let significant = &bytes[(n.leading_zeros() / 8) as usize..];
    control(out, kind, significant.len());
    out.extend_from_slice(significant);
}

#[derive(Debug, Clone, Copy)]
enum Record {
    Empty,
    Node(u32),
    Data(u32),
}

/// Builds a database in memory.
#[derive(Debug)]
pub struct MmdbWriter {
    database_type: String,
    nodes: Vec<[Record; 2]>,
    data: Vec<u8>,
}

impl MmdbWriter {
    /// An empty database whose metadata names it `database_type`.
    pub fn new(database_type: &str) -> MmdbWriter {
        MmdbWriter {
            database_type: database_type.to_owned(),
            nodes: vec![[Record::Empty; 2]],
            data: Vec::new(),
        }
    }

    /// Maps the network `address/prefix_len` (at least 1 bit) to `value`.
    pub fn insert(&mut self, address: IpAddr, prefix_len: u8, value: Value) {
        let (key, bits) = match address {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 96 + u32::from(prefix_len)),
            IpAddr::V6(v6) => (u128::from(v6), u32::from(prefix_len)),
        };
        assert!(
            prefix_len > 0 && bits <= 128,
            "prefix length {prefix_len} out of range"
        );
        let offset = self.data.len() as u32;
        value.encode(&mut self.data);

        let mut node = 0usize;
        for depth in 0..bits {
            let bit = ((key >> (127 - depth)) & 1) as usize;
            if depth == bits - 1 {
                self.nodes[node][bit] = Record::Data(offset);
                break;
            }
            node = match self.nodes[node][bit] {
                Record::Node(next) => next as usize,
                // A broader network here: split it so both halves keep it.
                Record::Empty | Record::Data(_) => {
                    let inherited = self.nodes[node][bit];
                    let next = self.nodes.len();
                    self.nodes.push([inherited; 2]);
                    self.nodes[node][bit] = Record::Node(next as u32);
                    next
                }
            };
        }
    }

    /// The database file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let node_count = self.nodes.len() as u32;
        let mut out = Vec::with_capacity(self.nodes.len() * 8 + 16 + self.data.len() + 256);
        for node in &self.nodes {
            for record in node {
                let value = match *record {
                    Record::Empty => node_count,
                    Record::Node(next) => next,
                    Record::Data(offset) => node_count + 16 + offset,
                };
                out.extend_from_slice(&value.to_be_bytes());
            }
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(b"\xab\xcd\xefMaxMind.com");
        Value::map([
            ("binary_format_major_version", Value::Uint16(2)),
            ("binary_format_minor_version", Value::Uint16(0)),
            ("build_epoch", Value::Uint64(1_777_636_800)),
            ("database_type", Value::text(&self.database_type)),
            (
                "description",
                Value::map([("en", Value::text("ferrule test database"))]),
            ),
            ("ip_version", Value::Uint16(6)),
            ("languages", Value::Array(vec![Value::text("en")])),
            ("node_count", Value::Uint32(node_count)),
            ("record_size", Value::Uint16(32)),
        ])
        .encode(&mut out);
        out
    }
}
