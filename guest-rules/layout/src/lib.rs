//! The byte layout of an event as the ferrule host hands it to rules.
//!
//! The host normalizes each log record once and encodes its ECS fields into
//! one buffer with an offset table, so a rule can read any field by its ECS
//! path straight from its own linear memory: no JSON parse and no host call
//! per field. This crate is shared by both sides: the host writes with
//! [`EventWriter`], the rule SDK reads with [`EventReader`]. It has no
//! dependencies and no `unsafe`, so it builds for the host and for
//! `wasm32-wasip2` alike.
//!
//! # Layout
//!
//! All integers are little-endian. A batch is a plain concatenation of event
//! records. One record is:
//!
//! ```text
//! header   u32 record_len   length of the whole record, header included
//!          u32 field_count
//!          i64 timestamp    event time, ms since the Unix epoch
//! entries  field_count x 16 bytes, sorted by field name (bytewise):
//!          u32 name_offset   u32 value_offset   u32 value_len
//!          u16 name_len      u8 kind            u8 reserved (0)
//! data     names and values; offsets are relative to the record start
//! ```
//!
//! Value encodings by [`Kind`]: `Text` and `Json` are UTF-8 bytes; `Integer`
//! is an `i64` and `Float` an `f64` (8 bytes each); `Bool` is one byte (0 or
//! 1); `TextList` is a `u32` count followed by, per item, a `u32` length and
//! the item's UTF-8 bytes.
//!
//! # Guarantees
//!
//! The reader never panics and never reads out of bounds: a malformed header
//! is reported by [`EventReader::new`], and a damaged entry or value reads as
//! absent. Field names are unique within a record; the writer guarantees it,
//! and [`EventReader::validate`] checks it (with every entry) for buffers
//! from elsewhere.

#![forbid(unsafe_code)]

/// Size of a record header in bytes.
pub const HEADER_LEN: usize = 16;
/// Size of one entry of the offset table in bytes.
pub const ENTRY_LEN: usize = 16;

/// The type of a field's value, as stored in its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A UTF-8 string.
    Text = 1,
    /// A signed 64-bit integer.
    Integer = 2,
    /// A 64-bit float.
    Float = 3,
    /// A boolean.
    Bool = 4,
    /// A list of UTF-8 strings.
    TextList = 5,
    /// A JSON document (object or array) as UTF-8 text.
    Json = 6,
}

impl Kind {
    fn from_byte(byte: u8) -> Option<Kind> {
        Some(match byte {
            1 => Kind::Text,
            2 => Kind::Integer,
            3 => Kind::Float,
            4 => Kind::Bool,
            5 => Kind::TextList,
            6 => Kind::Json,
            _ => return None,
        })
    }
}

/// A field value to encode, borrowed from the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// See [`Kind::Text`].
    Text(&'a str),
    /// See [`Kind::Integer`].
    Integer(i64),
    /// See [`Kind::Float`].
    Float(f64),
    /// See [`Kind::Bool`].
    Bool(bool),
    /// See [`Kind::TextList`].
    TextList(&'a [String]),
    /// See [`Kind::Json`].
    Json(&'a str),
}

impl ValueRef<'_> {
    /// Bytes the value takes in a record.
    fn encoded_len(&self) -> usize {
        match self {
            ValueRef::Text(text) | ValueRef::Json(text) => text.len(),
            ValueRef::Integer(_) | ValueRef::Float(_) => 8,
            ValueRef::Bool(_) => 1,
            ValueRef::TextList(items) => 4 + items.iter().map(|item| 4 + item.len()).sum::<usize>(),
        }
    }
}

/// Why a buffer is not a well-formed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// The buffer ends before the record it announces.
    Truncated,
    /// An entry points outside the record or has an unknown kind.
    BadEntry(usize),
    /// Field names are not sorted and unique, so lookups would be wrong.
    Unsorted(usize),
    /// A field name is not UTF-8.
    BadName(usize),
}

impl core::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LayoutError::Truncated => write!(f, "event record is truncated"),
            LayoutError::BadEntry(i) => write!(f, "entry {i} points outside the record"),
            LayoutError::Unsorted(i) => write!(f, "entry {i} is out of order or repeated"),
            LayoutError::BadName(i) => write!(f, "entry {i} has a name that is not UTF-8"),
        }
    }
}

impl std::error::Error for LayoutError {}

/// Encodes one event record and appends it to a buffer.
///
/// Fields may be added in any order; [`EventWriter::finish`] sorts them. A
/// name added twice keeps its last value.
#[derive(Debug, Default)]
pub struct EventWriter<'a> {
    fields: Vec<(&'a str, ValueRef<'a>)>,
}

impl<'a> EventWriter<'a> {
    /// An empty record.
    pub fn new() -> Self {
        EventWriter { fields: Vec::new() }
    }

    /// An empty record with room for `fields` fields.
    pub fn with_capacity(fields: usize) -> Self {
        EventWriter {
            fields: Vec::with_capacity(fields),
        }
    }

    /// Adds one field.
    pub fn field(&mut self, name: &'a str, value: ValueRef<'a>) -> &mut Self {
        self.fields.push((name, value));
        self
    }

    /// Number of fields added so far, repeats included.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether no field was added.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Appends the encoded record to `out` and returns its byte range there.
    ///
    /// # Panics
    ///
    /// If the record would exceed 4 GiB, which the `u32` offsets cannot
    /// address. The host bounds record sizes long before that.
    pub fn finish(self, timestamp_ms: i64, out: &mut Vec<u8>) -> core::ops::Range<usize> {
        // The order in which to write the fields: by name, and among equal
        // names the last added first, so that dropping repeats keeps it.
        // Sorting indices rather than the fields keeps the sort in place,
        // without the scratch buffer a stable sort allocates.
        let mut order: Vec<usize> = (0..self.fields.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (name_a, name_b) = (self.fields[a].0, self.fields[b].0);
            name_a.as_bytes().cmp(name_b.as_bytes()).then(b.cmp(&a))
        });
        order.dedup_by_key(|&mut i| self.fields[i].0);

        let start = out.len();
        let table_end = HEADER_LEN + order.len() * ENTRY_LEN;
        let data_len: usize = order
            .iter()
            .map(|&i| self.fields[i].0.len() + self.fields[i].1.encoded_len())
            .sum();
        out.reserve(table_end + data_len);
        out.resize(start + table_end, 0);

        for (slot, &i) in order.iter().enumerate() {
            let (name, value) = &self.fields[i];
            let name_offset = out.len() - start;
            out.extend_from_slice(name.as_bytes());
            let value_offset = out.len() - start;
            let kind = match value {
                ValueRef::Text(text) => {
                    out.extend_from_slice(text.as_bytes());
                    Kind::Text
                }
                ValueRef::Integer(n) => {
                    out.extend_from_slice(&n.to_le_bytes());
                    Kind::Integer
                }
                ValueRef::Float(x) => {
                    out.extend_from_slice(&x.to_le_bytes());
                    Kind::Float
                }
                ValueRef::Bool(b) => {
                    out.push(u8::from(*b));
                    Kind::Bool
                }
                ValueRef::TextList(items) => {
                    out.extend_from_slice(&to_u32(items.len()).to_le_bytes());
                    for item in *items {
                        out.extend_from_slice(&to_u32(item.len()).to_le_bytes());
                        out.extend_from_slice(item.as_bytes());
                    }
                    Kind::TextList
                }
                ValueRef::Json(text) => {
                    out.extend_from_slice(text.as_bytes());
                    Kind::Json
                }
            };
            let value_len = out.len() - start - value_offset;
            let at = start + HEADER_LEN + slot * ENTRY_LEN;
            let entry = &mut out[at..at + ENTRY_LEN];
            entry[0..4].copy_from_slice(&to_u32(name_offset).to_le_bytes());
            entry[4..8].copy_from_slice(&to_u32(value_offset).to_le_bytes());
            entry[8..12].copy_from_slice(&to_u32(value_len).to_le_bytes());
            let name_len = u16::try_from(name.len()).expect("field name longer than 64 KiB");
            entry[12..14].copy_from_slice(&name_len.to_le_bytes());
            entry[14] = kind as u8;
            entry[15] = 0;
        }

        let record_len = out.len() - start;
        let header = &mut out[start..start + HEADER_LEN];
        header[0..4].copy_from_slice(&to_u32(record_len).to_le_bytes());
        header[4..8].copy_from_slice(&to_u32(order.len()).to_le_bytes());
        header[8..16].copy_from_slice(&timestamp_ms.to_le_bytes());
        start..out.len()
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("event record larger than 4 GiB")
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(raw.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let raw = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(raw.try_into().ok()?))
}

/// A read-only view of one encoded event record.
#[derive(Debug, Clone, Copy)]
pub struct EventReader<'a> {
    record: &'a [u8],
    field_count: usize,
    timestamp_ms: i64,
}

/// One field's value as read from a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// See [`Kind::Text`].
    Text(&'a str),
    /// See [`Kind::Integer`].
    Integer(i64),
    /// See [`Kind::Float`].
    Float(f64),
    /// See [`Kind::Bool`].
    Bool(bool),
    /// See [`Kind::TextList`].
    TextList(TextList<'a>),
    /// See [`Kind::Json`].
    Json(&'a str),
}

impl<'a> EventReader<'a> {
    /// Checks the header of the record at the start of `bytes` and returns
    /// a view of it and the bytes after it (the rest of a batch).
    ///
    /// This is constant time, because it runs for every event a rule reads:
    /// the entries are checked as they are read, and a damaged one reads as
    /// absent. [`EventReader::validate`] checks every entry up front.
    ///
    /// # Errors
    ///
    /// [`LayoutError::Truncated`] when the header announces more bytes than
    /// there are, or an offset table that does not fit the record.
    pub fn new(bytes: &'a [u8]) -> Result<(EventReader<'a>, &'a [u8]), LayoutError> {
        let record_len = read_u32(bytes, 0).ok_or(LayoutError::Truncated)? as usize;
        let field_count = read_u32(bytes, 4).ok_or(LayoutError::Truncated)? as usize;
        let timestamp_ms = read_u64(bytes, 8).ok_or(LayoutError::Truncated)? as i64;
        if record_len > bytes.len() || record_len < HEADER_LEN {
            return Err(LayoutError::Truncated);
        }
        let table_end = field_count
            .checked_mul(ENTRY_LEN)
            .and_then(|n| n.checked_add(HEADER_LEN))
            .ok_or(LayoutError::Truncated)?;
        if table_end > record_len {
            return Err(LayoutError::Truncated);
        }
        let (record, rest) = bytes.split_at(record_len);
        let reader = EventReader {
            record,
            field_count,
            timestamp_ms,
        };
        Ok((reader, rest))
    }

    /// Checks every entry: in bounds, of a known kind, with a UTF-8 name,
    /// and sorted without repeats (which lookups rely on to be right).
    /// Values are not checked; a damaged value reads as absent.
    ///
    /// # Errors
    ///
    /// The first entry that fails, as a [`LayoutError`].
    pub fn validate(&self) -> Result<(), LayoutError> {
        let mut previous: Option<&[u8]> = None;
        for i in 0..self.field_count {
            let (name, _, _, kind) = self.raw_entry(i).ok_or(LayoutError::BadEntry(i))?;
            if Kind::from_byte(kind).is_none() {
                return Err(LayoutError::BadEntry(i));
            }
            if core::str::from_utf8(name).is_err() {
                return Err(LayoutError::BadName(i));
            }
            if previous.is_some_and(|p| p >= name) {
                return Err(LayoutError::Unsorted(i));
            }
            previous = Some(name);
        }
        Ok(())
    }

    /// Event time of the record, ms since the Unix epoch.
    pub fn timestamp_ms(&self) -> i64 {
        self.timestamp_ms
    }

    /// Number of fields in the record.
    pub fn len(&self) -> usize {
        self.field_count
    }

    /// Whether the record has no field.
    pub fn is_empty(&self) -> bool {
        self.field_count == 0
    }

    /// The raw bytes of the record, header included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.record
    }

    /// Name bytes, value bytes, value offset and kind byte of entry `i`.
    fn raw_entry(&self, i: usize) -> Option<(&'a [u8], &'a [u8], usize, u8)> {
        let at = HEADER_LEN + i * ENTRY_LEN;
        let entry = self.record.get(at..at + ENTRY_LEN)?;
        let name_offset = u32::from_le_bytes(entry[0..4].try_into().ok()?) as usize;
        let value_offset = u32::from_le_bytes(entry[4..8].try_into().ok()?) as usize;
        let value_len = u32::from_le_bytes(entry[8..12].try_into().ok()?) as usize;
        let name_len = u16::from_le_bytes(entry[12..14].try_into().ok()?) as usize;
        let name = self
            .record
            .get(name_offset..name_offset.checked_add(name_len)?)?;
        let value = self
            .record
            .get(value_offset..value_offset.checked_add(value_len)?)?;
        Some((name, value, value_offset, entry[14]))
    }

    /// The value of the field named `name`, if the record has it.
    ///
    /// A binary search over the sorted offset table: no allocation.
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        let wanted = name.as_bytes();
        let (mut low, mut high) = (0, self.field_count);
        while low < high {
            let mid = low + (high - low) / 2;
            let (entry_name, value, _, kind) = self.raw_entry(mid)?;
            match entry_name.cmp(wanted) {
                core::cmp::Ordering::Less => low = mid + 1,
                core::cmp::Ordering::Greater => high = mid,
                core::cmp::Ordering::Equal => return decode(value, kind),
            }
        }
        None
    }

    /// Every field, in name order. Damaged values are skipped.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, Value<'a>)> + '_ {
        (0..self.field_count).filter_map(|i| {
            let (name, value, _, kind) = self.raw_entry(i)?;
            Some((core::str::from_utf8(name).ok()?, decode(value, kind)?))
        })
    }

    /// Fields whose names start with `prefix`, in name order.
    pub fn fields_with_prefix<'p>(
        &self,
        prefix: &'p str,
    ) -> impl Iterator<Item = (&'a str, Value<'a>)> + use<'a, 'p, '_> {
        // The table is sorted, so the matching names are one contiguous run.
        let wanted = prefix.as_bytes();
        let (mut low, mut high) = (0, self.field_count);
        while low < high {
            let mid = low + (high - low) / 2;
            match self.raw_entry(mid) {
                Some((name, ..)) if name < wanted => low = mid + 1,
                _ => high = mid,
            }
        }
        (low..self.field_count)
            .map_while(move |i| {
                let (name, value, _, kind) = self.raw_entry(i)?;
                if !name.starts_with(wanted) {
                    return None;
                }
                Some((name, value, kind))
            })
            .filter_map(|(name, value, kind)| {
                Some((core::str::from_utf8(name).ok()?, decode(value, kind)?))
            })
    }
}

fn decode(value: &[u8], kind: u8) -> Option<Value<'_>> {
    Some(match Kind::from_byte(kind)? {
        Kind::Text => Value::Text(core::str::from_utf8(value).ok()?),
        Kind::Json => Value::Json(core::str::from_utf8(value).ok()?),
        Kind::Integer => Value::Integer(i64::from_le_bytes(value.try_into().ok()?)),
        Kind::Float => Value::Float(f64::from_le_bytes(value.try_into().ok()?)),
        Kind::Bool => match value {
            [0] => Value::Bool(false),
            [1] => Value::Bool(true),
            _ => return None,
        },
        Kind::TextList => {
            let count = read_u32(value, 0)? as usize;
            Value::TextList(TextList {
                bytes: value.get(4..)?,
                count,
            })
        }
    })
}

/// A list of strings read from a record, iterated without allocation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextList<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> TextList<'a> {
    /// Number of items the list announces.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The items, in order. Stops early at a damaged item.
    pub fn iter(&self) -> TextListIter<'a> {
        TextListIter {
            bytes: self.bytes,
            remaining: self.count,
        }
    }
}

impl<'a> IntoIterator for TextList<'a> {
    type Item = &'a str;
    type IntoIter = TextListIter<'a>;

    fn into_iter(self) -> TextListIter<'a> {
        self.iter()
    }
}

/// Iterator over the items of a [`TextList`].
#[derive(Debug, Clone)]
pub struct TextListIter<'a> {
    bytes: &'a [u8],
    remaining: usize,
}

impl<'a> Iterator for TextListIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.remaining == 0 {
            return None;
        }
        let len = read_u32(self.bytes, 0)? as usize;
        let item = self.bytes.get(4..4usize.checked_add(len)?)?;
        self.bytes = &self.bytes[4 + len..];
        self.remaining -= 1;
        core::str::from_utf8(item).ok()
    }
}

/// Iterates over the records of a batch.
///
/// Yields an error once, for the first malformed record, and stops there.
pub fn records(batch: &[u8]) -> impl Iterator<Item = Result<EventReader<'_>, LayoutError>> {
    let mut rest = batch;
    let mut failed = false;
    core::iter::from_fn(move || {
        if rest.is_empty() || failed {
            return None;
        }
        match EventReader::new(rest) {
            Ok((reader, tail)) => {
                rest = tail;
                Some(Ok(reader))
            }
            Err(error) => {
                failed = true;
                Some(Err(error))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(out: &mut Vec<u8>) -> core::ops::Range<usize> {
        let list = vec!["a".to_string(), "".to_string(), "ccc".to_string()];
        let mut writer = EventWriter::new();
        writer
            .field("event.action", ValueRef::Text("StopLogging"))
            .field("aws.count", ValueRef::Integer(-7))
            .field("ratio", ValueRef::Float(0.25))
            .field("aws.cloudtrail.read_only", ValueRef::Bool(false))
            .field("related.user", ValueRef::TextList(&list))
            .field("doc", ValueRef::Json("{\"a\":1}"))
            .field("event.action", ValueRef::Text("CreateTrail"));
        writer.finish(1_700_000_000_123, out)
    }

    #[test]
    fn round_trips_every_kind() {
        let mut out = Vec::new();
        let range = sample(&mut out);
        assert_eq!(range, 0..out.len());
        let (reader, rest) = EventReader::new(&out).unwrap();
        assert!(rest.is_empty());
        assert_eq!(reader.timestamp_ms(), 1_700_000_000_123);
        assert_eq!(reader.len(), 6, "the repeated name is stored once");
        assert_eq!(reader.get("event.action"), Some(Value::Text("CreateTrail")));
        assert_eq!(reader.get("aws.count"), Some(Value::Integer(-7)));
        assert_eq!(reader.get("ratio"), Some(Value::Float(0.25)));
        assert_eq!(
            reader.get("aws.cloudtrail.read_only"),
            Some(Value::Bool(false))
        );
        assert_eq!(reader.get("doc"), Some(Value::Json("{\"a\":1}")));
        let Some(Value::TextList(list)) = reader.get("related.user") else {
            panic!()
        };
        assert_eq!(list.iter().collect::<Vec<_>>(), vec!["a", "", "ccc"]);
        assert_eq!(reader.get("event"), None);
        assert_eq!(reader.get("zzz"), None);
        assert_eq!(reader.get(""), None);
    }

    #[test]
    fn prefix_scan_returns_the_contiguous_run() {
        let mut out = Vec::new();
        sample(&mut out);
        let (reader, _) = EventReader::new(&out).unwrap();
        let names: Vec<_> = reader.fields_with_prefix("aws.").map(|(n, _)| n).collect();
        assert_eq!(names, vec!["aws.cloudtrail.read_only", "aws.count"]);
        assert_eq!(reader.fields_with_prefix("nothing").count(), 0);
        assert_eq!(reader.fields().count(), 6);
    }

    #[test]
    fn batch_of_records_iterates_in_order() {
        let mut out = Vec::new();
        sample(&mut out);
        let mut writer = EventWriter::new();
        writer.field("event.id", ValueRef::Text("second"));
        writer.finish(5, &mut out);
        let readers: Vec<_> = records(&out).collect::<Result<_, _>>().unwrap();
        assert_eq!(readers.len(), 2);
        assert_eq!(readers[1].get("event.id"), Some(Value::Text("second")));
        assert_eq!(readers[1].timestamp_ms(), 5);
    }

    #[test]
    fn truncated_or_corrupt_records_are_rejected_without_panic() {
        let mut out = Vec::new();
        sample(&mut out);
        for cut in 0..out.len() {
            assert!(EventReader::new(&out[..cut]).is_err(), "cut at {cut}");
        }
        // Corrupt every byte in turn: the reader may accept or reject, never panic.
        for at in 0..out.len() {
            let mut damaged = out.clone();
            damaged[at] ^= 0xa5;
            if let Ok((reader, _)) = EventReader::new(&damaged) {
                let _ = reader.validate();
                for (name, _) in reader.fields() {
                    let _ = reader.get(name);
                }
            }
        }
        let mut unsorted = Vec::new();
        let mut writer = EventWriter::new();
        writer
            .field("b", ValueRef::Text("1"))
            .field("a", ValueRef::Text("2"));
        writer.finish(0, &mut unsorted);
        // Swap the two entries' name offsets so the table is out of order.
        let first = unsorted[16..20].to_vec();
        let second = unsorted[32..36].to_vec();
        unsorted[16..20].copy_from_slice(&second);
        unsorted[32..36].copy_from_slice(&first);
        let (reader, _) = EventReader::new(&unsorted).expect("the header is intact");
        assert_eq!(reader.validate().unwrap_err(), LayoutError::Unsorted(1));
        let (intact, _) = EventReader::new(&out).unwrap();
        assert_eq!(intact.validate(), Ok(()));
    }
}
