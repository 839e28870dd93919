//! IP-to-AS data as CSV rows of `range_start,range_end,asn,organisation`.
//!
//! This is the format of the free ip-location-db and similar data sets:
//! inclusive ranges, no header, IPv4 and IPv6 rows in one file, the
//! organisation quoted when it holds a comma (`""` for a quote inside).
//!
//! Layout: one table per IP version of sorted, disjoint ranges, as three
//! parallel arrays (start, end, network), searched by binary search. A
//! network is an interned (AS number, organisation) pair, and organisation
//! names live in one string. For 412k IPv4 rows that is 12 bytes a range
//! plus the names, 7.4 MiB in all. The file is streamed line by line while
//! it is parsed, so its text is never held whole.
//!
//! Guarantees: every row is checked; the first malformed one stops the load
//! with an error naming the file and the line. Overlapping rows are
//! resolved at load so a search needs one probe: where ranges overlap, the
//! one that starts later wins (for nested ranges, the more specific one),
//! and the outer range still answers on both sides of the inner one.
//!
//! Limits: rows for AS 0 (reserved; data sets use it for "not routed")
//! carry no AS and are skipped. Blank lines are skipped; anything else that
//! is not a row, a header included, is an error.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::path::Path;

use hashbrown::{DefaultHashBuilder, HashMap, HashTable};

use super::EnrichError;
use super::file::Lines;
use super::network::AsInfo;

/// Marks a network whose organisation the data leaves empty.
const NO_ORGANISATION: u32 = u32::MAX;

/// An IP-to-AS table loaded from a range CSV.
#[derive(Debug)]
pub(crate) struct RangeTable {
    v4: Ranges<u32>,
    v6: Ranges<u128>,
    /// (AS number, organisation id) by network id.
    networks: Vec<(u32, u32)>,
    /// All organisation names, one after another.
    organisation_text: String,
    /// Where each organisation's name ends in `organisation_text`.
    organisation_ends: Vec<u32>,
}

/// Sorted, disjoint ranges of one IP version.
#[derive(Debug)]
struct Ranges<T> {
    starts: Vec<T>,
    ends: Vec<T>,
    networks: Vec<u32>,
}

impl<T> Default for Ranges<T> {
    fn default() -> Self {
        Ranges {
            starts: Vec::new(),
            ends: Vec::new(),
            networks: Vec::new(),
        }
    }
}

/// Counts reported after a load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TableSize {
    /// Rows read.
    pub(crate) rows: usize,
    /// Disjoint ranges kept, after resolving overlaps and merging
    /// neighbours of the same network.
    pub(crate) ranges: usize,
    /// Distinct (AS number, organisation) pairs.
    pub(crate) networks: usize,
    /// Distinct organisation names.
    pub(crate) organisations: usize,
    /// Heap bytes the table holds.
    pub(crate) heap_bytes: usize,
}

impl RangeTable {
    /// Parses the rows of `lines`, read from `path`.
    pub(crate) fn parse(
        path: &Path,
        lines: &mut Lines,
    ) -> Result<(RangeTable, TableSize), EnrichError> {
        let mut builder = Builder::default();
        let mut rows = 0;
        let mut line = Vec::with_capacity(256);
        let mut number = 0;
        while lines.next_line(path, &mut line)? {
            number += 1;
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let bad = |reason: String| EnrichError::CsvRow {
                path: path.to_owned(),
                line: number,
                reason,
            };
            let text = std::str::from_utf8(text).map_err(|_| bad("not UTF-8".into()))?;
            builder.row(text).map_err(bad)?;
            rows += 1;
        }
        if rows == 0 {
            return Err(EnrichError::NoRanges {
                path: path.to_owned(),
            });
        }
        let table = builder.finish();
        let size = TableSize {
            rows,
            ranges: table.v4.starts.len() + table.v6.starts.len(),
            networks: table.networks.len(),
            organisations: table.organisation_ends.len(),
            heap_bytes: table.heap_bytes(),
        };
        Ok((table, size))
    }

    /// What the table says about `ip`.
    pub(crate) fn lookup(&self, ip: IpAddr) -> Option<AsInfo> {
        let network = match ip {
            IpAddr::V4(v4) => self.v4.find(u32::from(v4)),
            IpAddr::V6(v6) => self.v6.find(u128::from(v6)),
        }?;
        let (number, organisation) = self.networks[network as usize];
        Some(AsInfo {
            number: Some(number),
            organization: self.organisation(organisation).map(Box::from),
        })
    }

    fn organisation(&self, id: u32) -> Option<&str> {
        (id != NO_ORGANISATION)
            .then(|| name_of(&self.organisation_text, &self.organisation_ends, id))
    }

    fn heap_bytes(&self) -> usize {
        self.v4.heap_bytes()
            + self.v6.heap_bytes()
            + self.networks.capacity() * size_of::<(u32, u32)>()
            + self.organisation_text.capacity()
            + self.organisation_ends.capacity() * size_of::<u32>()
    }
}

/// Organisation `id`'s name: names are stored one after another in `text`,
/// and `ends[id]` is where name `id` ends.
fn name_of<'a>(text: &'a str, ends: &[u32], id: u32) -> &'a str {
    let id = id as usize;
    let start = if id == 0 { 0 } else { ends[id - 1] as usize };
    &text[start..ends[id] as usize]
}

impl<T: Copy + Ord> Ranges<T> {
    fn find(&self, address: T) -> Option<u32> {
        let after = self.starts.partition_point(|&start| start <= address);
        let index = after.checked_sub(1)?;
        (self.ends[index] >= address).then(|| self.networks[index])
    }

    fn heap_bytes(&self) -> usize {
        (self.starts.capacity() + self.ends.capacity()) * size_of::<T>()
            + self.networks.capacity() * size_of::<u32>()
    }
}

/// Collects rows, interning networks and organisation names.
#[derive(Default)]
struct Builder {
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
    network_ids: HashMap<(u32, u32), u32>,
    networks: Vec<(u32, u32)>,
    /// Organisation ids, hashed by name; the names are in
    /// `organisation_text`, so interning allocates nothing per name.
    organisation_ids: HashTable<u32>,
    hasher: DefaultHashBuilder,
    organisation_text: String,
    organisation_ends: Vec<u32>,
}

impl Builder {
    fn row(&mut self, line: &str) -> Result<(), String> {
        let [start, end, asn, organisation] = split_row(line)?;
        let start: IpAddr = start
            .parse()
            .map_err(|_| format!("range_start {start:?} is not an IP address"))?;
        let end: IpAddr = end
            .parse()
            .map_err(|_| format!("range_end {end:?} is not an IP address"))?;
        let asn: u32 = asn
            .parse()
            .map_err(|_| format!("asn {asn:?} is not an AS number"))?;
        if asn == 0 {
            return Ok(());
        }
        let network = self.network(asn, &organisation);
        match (start, end) {
            (IpAddr::V4(start), IpAddr::V4(end)) => {
                push_range(&mut self.v4, start.into(), end.into(), network)
            }
            (IpAddr::V6(start), IpAddr::V6(end)) => {
                push_range(&mut self.v6, start.into(), end.into(), network)
            }
            _ => Err(format!(
                "range_start {start} and range_end {end} are not the same IP version"
            )),
        }
    }

    fn network(&mut self, asn: u32, organisation: &str) -> u32 {
        let organisation = if organisation.is_empty() {
            NO_ORGANISATION
        } else {
            self.organisation(organisation)
        };
        let next = self.networks.len() as u32;
        let id = *self.network_ids.entry((asn, organisation)).or_insert(next);
        if id == next {
            self.networks.push((asn, organisation));
        }
        id
    }

    fn organisation(&mut self, name: &str) -> u32 {
        let Builder {
            organisation_ids,
            hasher,
            organisation_text,
            organisation_ends,
            ..
        } = self;
        let hash = hasher.hash_one(name);
        if let Some(&id) = organisation_ids.find(hash, |&id| {
            name_of(organisation_text, organisation_ends, id) == name
        }) {
            return id;
        }
        let id = organisation_ends.len() as u32;
        organisation_text.push_str(name);
        organisation_ends.push(organisation_text.len() as u32);
        organisation_ids.insert_unique(hash, id, |&id| {
            hasher.hash_one(name_of(organisation_text, organisation_ends, id))
        });
        id
    }

    fn finish(self) -> RangeTable {
        let mut organisation_text = self.organisation_text;
        organisation_text.shrink_to_fit();
        let mut networks = self.networks;
        networks.shrink_to_fit();
        let mut organisation_ends = self.organisation_ends;
        organisation_ends.shrink_to_fit();
        RangeTable {
            v4: disjoint(self.v4),
            v6: disjoint(self.v6),
            networks,
            organisation_text,
            organisation_ends,
        }
    }
}

fn push_range<T: Ord>(
    rows: &mut Vec<(T, T, u32)>,
    start: T,
    end: T,
    network: u32,
) -> Result<(), String> {
    if start > end {
        return Err("range_start is after range_end".into());
    }
    rows.push((start, end, network));
    Ok(())
}

/// Splits a row into its four fields, unquoting quoted ones.
fn split_row(line: &str) -> Result<[Cow<'_, str>; 4], String> {
    let mut fields: [Cow<'_, str>; 4] = Default::default();
    let mut rest = line;
    for (index, field) in fields.iter_mut().enumerate() {
        let (value, after) = split_field(rest)?;
        *field = value;
        match (after, index) {
            (Some(after), 0..=2) => rest = after,
            (None, 3) => return Ok(fields),
            (Some(_), _) => break,
            (None, found) => return Err(wrong_count(found + 1)),
        }
    }
    Err("expected 4 fields (range_start,range_end,asn,organisation), found more; quote an organisation that holds a comma".into())
}

fn wrong_count(found: usize) -> String {
    format!("expected 4 fields (range_start,range_end,asn,organisation), found {found}")
}

/// The first field of `text`, and what follows its comma (`None` at the end
/// of the line).
fn split_field(text: &str) -> Result<(Cow<'_, str>, Option<&str>), String> {
    let Some(quoted) = text.strip_prefix('"') else {
        return Ok(match text.split_once(',') {
            Some((field, rest)) => (Cow::Borrowed(field.trim()), Some(rest)),
            None => (Cow::Borrowed(text.trim()), None),
        });
    };
    // Owned only once a doubled quote shows the value is not a slice.
    let mut unescaped: Option<String> = None;
    let mut rest = quoted;
    loop {
        let Some(quote) = rest.find('"') else {
            return Err("a quoted field has no closing quote".into());
        };
        let (piece, after) = (&rest[..quote], &rest[quote + 1..]);
        if let Some(after) = after.strip_prefix('"') {
            let owned = unescaped.get_or_insert_with(String::new);
            owned.push_str(piece);
            owned.push('"');
            rest = after;
            continue;
        }
        let value = match unescaped {
            Some(mut owned) => {
                owned.push_str(piece);
                Cow::Owned(owned)
            }
            None => Cow::Borrowed(piece),
        };
        return match after.strip_prefix(',') {
            Some(after) => Ok((value, Some(after))),
            None if after.trim().is_empty() => Ok((value, None)),
            None => Err("text after a closing quote".into()),
        };
    }
}

/// An address type the ranges are kept in.
trait Address: Copy + Ord {
    fn successor(self) -> Option<Self>;
    fn predecessor(self) -> Option<Self>;
}

impl Address for u32 {
    fn successor(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn predecessor(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

impl Address for u128 {
    fn successor(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn predecessor(self) -> Option<Self> {
        self.checked_sub(1)
    }
}

/// Sorted, disjoint ranges from possibly unsorted, overlapping ones: at
/// each address the covering range that starts last wins (the narrower
/// one when two start together). Neighbours of the same network merge.
fn disjoint<T: Address>(mut rows: Vec<(T, T, u32)>) -> Ranges<T> {
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out = Ranges::default();
    // Ranges covering the sweep position, innermost last, as (end, network).
    let mut open: Vec<(T, u32)> = Vec::new();
    let mut position: Option<T> = None;
    for (start, end, network) in rows {
        emit(&mut open, &mut position, Some(start), &mut out);
        if open.is_empty() {
            position = Some(start);
        }
        open.push((end, network));
    }
    emit(&mut open, &mut position, None, &mut out);
    out.starts.shrink_to_fit();
    out.ends.shrink_to_fit();
    out.networks.shrink_to_fit();
    out
}

/// Emits the segments from `position` up to just before `until` (or to the
/// end of every open range), each to the innermost range covering it.
fn emit<T: Address>(
    open: &mut Vec<(T, u32)>,
    position: &mut Option<T>,
    until: Option<T>,
    out: &mut Ranges<T>,
) {
    while let (Some(at), Some(&(end, network))) = (*position, open.last()) {
        if until.is_some_and(|until| at >= until) {
            return;
        }
        if end < at {
            open.pop();
            continue;
        }
        let segment_end = match until {
            // `until > at`, so it has a predecessor.
            Some(until) if until <= end => until.predecessor().unwrap_or(until),
            _ => end,
        };
        out.push(at, segment_end, network);
        *position = segment_end.successor();
        if segment_end == end {
            open.pop();
        }
    }
    if position.is_none() {
        open.clear();
    }
}

impl<T: Address> Ranges<T> {
    fn push(&mut self, start: T, end: T, network: u32) {
        if let (Some(last_end), Some(&last_network)) = (self.ends.last_mut(), self.networks.last())
            && last_network == network
            && last_end.successor() == Some(start)
        {
            *last_end = end;
            return;
        }
        self.starts.push(start);
        self.ends.push(end);
        self.networks.push(network);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(path: &str, text: &[u8]) -> Result<(RangeTable, TableSize), EnrichError> {
        RangeTable::parse(Path::new(path), &mut Lines::from_text(text))
    }

    fn table(text: &str) -> RangeTable {
        parse("ranges.csv", text.as_bytes()).unwrap().0
    }

    fn error(text: &str) -> String {
        parse("dir/ranges.csv", text.as_bytes())
            .unwrap_err()
            .to_string()
    }

    fn asn(table: &RangeTable, ip: &str) -> Option<(u32, Option<String>)> {
        table
            .lookup(ip.parse().unwrap())
            .map(|info| (info.number.unwrap(), info.organization.map(String::from)))
    }

    #[test]
    fn rows_are_found_by_any_address_inside_inclusive_ranges() {
        let t = table(
            "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n\
             3.5.0.0,3.5.31.255,14618,\"Amazon.com, Inc.\"\r\n\
             8.8.8.0,8.8.8.255,15169,Google LLC\n\
             2.26.200.0,2.26.215.255,201907,\"LLC \"\"SPUTNIK\"\"\"\n\
             2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n\n",
        );
        assert_eq!(
            asn(&t, "1.0.0.0"),
            Some((13335, Some("Cloudflare, Inc.".into())))
        );
        assert_eq!(
            asn(&t, "1.0.0.255"),
            Some((13335, Some("Cloudflare, Inc.".into())))
        );
        assert_eq!(asn(&t, "1.0.1.0"), None);
        assert_eq!(asn(&t, "0.255.255.255"), None);
        assert_eq!(
            asn(&t, "3.5.17.1"),
            Some((14618, Some("Amazon.com, Inc.".into())))
        );
        assert_eq!(asn(&t, "8.8.8.8"), Some((15169, Some("Google LLC".into()))));
        assert_eq!(
            asn(&t, "2.26.201.9"),
            Some((201907, Some("LLC \"SPUTNIK\"".into())))
        );
        assert_eq!(
            asn(&t, "2001:4860:4860::8888"),
            Some((15169, Some("Google LLC".into())))
        );
        assert_eq!(asn(&t, "2001:4861::1"), None);
        assert_eq!(asn(&t, "255.255.255.255"), None);
    }

    #[test]
    fn organisations_and_networks_are_interned() {
        let (_, size) = parse(
            "r.csv",
            b"1.0.0.0,1.0.0.255,15169,Google LLC\n1.0.2.0,1.0.2.255,15169,Google LLC\n1.0.4.0,1.0.4.255,396982,Google LLC\n",
        )
        .unwrap();
        assert_eq!(
            (size.rows, size.ranges, size.networks, size.organisations),
            (3, 3, 2, 1)
        );
    }

    #[test]
    fn overlapping_rows_resolve_to_the_later_starting_range() {
        // As in the real data: 214.95.0.0-215.0.255.255 (AS 749) overlaps
        // 215.0.0.0-215.1.3.255 (AS 721).
        let t = table("215.0.0.0,215.1.3.255,721,DoD NIC\n214.95.0.0,215.0.255.255,749,DoD\n");
        assert_eq!(asn(&t, "214.95.0.1").unwrap().0, 749);
        assert_eq!(asn(&t, "215.0.0.1").unwrap().0, 721);
        assert_eq!(asn(&t, "215.1.0.1").unwrap().0, 721);
        assert_eq!(asn(&t, "215.1.4.0"), None);
    }

    #[test]
    fn a_nested_range_wins_inside_and_the_outer_one_answers_around_it() {
        let t = table(
            "10.0.0.0,10.255.255.255,1,outer\n10.1.0.0,10.1.255.255,2,inner\n10.1.0.0,10.1.0.255,3,innermost\n",
        );
        assert_eq!(asn(&t, "10.0.0.1").unwrap().0, 1);
        assert_eq!(asn(&t, "10.1.0.1").unwrap().0, 3);
        assert_eq!(asn(&t, "10.1.1.1").unwrap().0, 2);
        assert_eq!(asn(&t, "10.2.0.0").unwrap().0, 1);
        assert_eq!(asn(&t, "10.255.255.255").unwrap().0, 1);
    }

    #[test]
    fn the_whole_address_space_and_its_edges_are_handled() {
        let t = table(
            "0.0.0.0,255.255.255.255,1,all\n255.255.255.0,255.255.255.255,2,top\n::,::,3,zero\n",
        );
        assert_eq!(asn(&t, "0.0.0.0").unwrap().0, 1);
        assert_eq!(asn(&t, "255.255.255.254").unwrap().0, 2);
        assert_eq!(asn(&t, "255.255.255.255").unwrap().0, 2);
        assert_eq!(asn(&t, "::").unwrap().0, 3);
        assert_eq!(asn(&t, "::1"), None);
    }

    #[test]
    fn neighbouring_ranges_of_one_network_merge() {
        let (t, size) = parse("r.csv", b"1.0.0.0,1.0.0.255,7,x\n1.0.1.0,1.0.1.255,7,x\n").unwrap();
        assert_eq!(size.ranges, 1);
        assert_eq!(asn(&t, "1.0.1.200").unwrap().0, 7);
    }

    #[test]
    fn as_zero_and_empty_organisations() {
        let t = table("1.0.0.0,1.0.0.255,0,Not routed\n1.0.1.0,1.0.1.255,64500,\n");
        assert_eq!(asn(&t, "1.0.0.1"), None);
        assert_eq!(asn(&t, "1.0.1.1"), Some((64500, None)));
    }

    #[test]
    fn malformed_rows_are_errors_naming_file_and_line() {
        let good = "1.0.0.0,1.0.0.255,13335,x\n";
        let cases = [
            (
                "not-an-ip,1.0.0.255,1,x",
                "range_start \"not-an-ip\" is not an IP address",
            ),
            (
                "1.0.0.0,1.0.0.256,1,x",
                "range_end \"1.0.0.256\" is not an IP address",
            ),
            ("1.0.0.0,1.0.0.255,AS1,x", "asn \"AS1\" is not an AS number"),
            (
                "1.0.0.0,1.0.0.255,1",
                "expected 4 fields (range_start,range_end,asn,organisation), found 3",
            ),
            ("1.0.0.0,1.0.0.255,1,Enecom,Inc.", "found more"),
            ("1.0.0.0,1.0.0.255,1,\"open", "no closing quote"),
            ("1.0.0.9,1.0.0.1,1,x", "range_start is after range_end"),
            ("1.0.0.0,::1,1,x", "not the same IP version"),
            (
                "range_start,range_end,asn,organisation",
                "range_start \"range_start\" is not an IP address",
            ),
        ];
        for (row, reason) in cases {
            let message = error(&format!("{good}\n{row}\n{good}"));
            assert!(
                message.starts_with("dir/ranges.csv:3: "),
                "{row}: {message}"
            );
            assert!(message.contains(reason), "{row}: {message}");
        }
        let message = parse("r.csv", b"1.0.0.0,1.0.0.255,1,\xff\n")
            .unwrap_err()
            .to_string();
        assert_eq!(message, "r.csv:1: not UTF-8");
    }

    #[test]
    fn a_file_without_rows_is_an_error() {
        assert!(error("\n\n").contains("dir/ranges.csv"));
    }
}
