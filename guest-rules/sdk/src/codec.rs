//! A small byte encoding for values rules keep in state.
//!
//! Little-endian integers and length-prefixed strings, written and read in
//! the same order. A rule bumps its state-schema version when it changes
//! what it writes; a value that does not decode reads as absent.
//!
//! Values copied from events can be any length; [`truncate`] bounds them
//! before they are stored. [`percent_decode`] reads values CloudTrail
//! records as they appeared in a request path (`arn%3Aaws%3Aiam...`).

/// `text` cut to at most `max_bytes` bytes, at the last character boundary
/// that fits, so the result is still valid UTF-8 (and may be a few bytes
/// shorter than `max_bytes`). Text that fits is returned whole.
pub fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Builds an encoded value.
#[derive(Debug, Default)]
pub struct Encoder {
    bytes: Vec<u8>,
}

impl Encoder {
    /// An empty value.
    pub fn new() -> Self {
        Encoder::default()
    }

    /// Appends an `i64`.
    pub fn i64(mut self, n: i64) -> Self {
        self.bytes.extend_from_slice(&n.to_le_bytes());
        self
    }

    /// Appends a `u64`.
    pub fn u64(mut self, n: u64) -> Self {
        self.bytes.extend_from_slice(&n.to_le_bytes());
        self
    }

    /// Appends a string.
    pub fn str(mut self, text: &str) -> Self {
        self.bytes
            .extend_from_slice(&(text.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(text.as_bytes());
        self
    }

    /// Appends a list of strings.
    pub fn strs<S: AsRef<str>>(mut self, items: &[S]) -> Self {
        self.bytes
            .extend_from_slice(&(items.len() as u32).to_le_bytes());
        for item in items {
            self = self.str(item.as_ref());
        }
        self
    }

    /// The encoded bytes.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads an encoded value; every read returns `None` past the end.
#[derive(Debug)]
pub struct Decoder<'a> {
    bytes: &'a [u8],
}

impl<'a> Decoder<'a> {
    /// Reads `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Decoder { bytes }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Some(head)
    }

    /// Reads an `i64`.
    pub fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// Reads a `u64`.
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    /// Reads a string.
    pub fn str(&mut self) -> Option<&'a str> {
        let len = self.u32()?;
        core::str::from_utf8(self.take(len)?).ok()
    }

    /// Reads a list of strings.
    pub fn strs(&mut self) -> Option<Vec<String>> {
        let count = self.u32()?;
        (0..count).map(|_| self.str().map(str::to_owned)).collect()
    }
}

/// `text` with its `%XX` escapes decoded, as CloudTrail records values
/// taken from a request path. Bytes that do not form a valid escape are
/// kept as they are; a result that is not UTF-8 gives `text` back unchanged.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| core::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_short_input_reads_as_absent() {
        let bytes = Encoder::new()
            .i64(-5)
            .u64(7)
            .str("ip")
            .strs(&["a", "bc"])
            .finish();
        let mut decoder = Decoder::new(&bytes);
        assert_eq!(decoder.i64(), Some(-5));
        assert_eq!(decoder.u64(), Some(7));
        assert_eq!(decoder.str(), Some("ip"));
        assert_eq!(
            decoder.strs(),
            Some(vec!["a".to_string(), "bc".to_string()])
        );
        assert_eq!(decoder.i64(), None);
        let mut short = Decoder::new(&bytes[..10]);
        assert_eq!(short.i64(), Some(-5));
        assert_eq!(short.u64(), None);
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(truncate("abc", 0), "");
        // `é` is two bytes: cutting inside it drops it.
        assert_eq!(truncate("aé", 2), "a");
        assert_eq!(truncate("aé", 3), "aé");
        assert_eq!(truncate("", 5), "");
    }

    #[test]
    fn percent_escapes_decode_and_broken_ones_stay() {
        assert_eq!(
            percent_decode("arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fadmin"),
            "arn:aws:iam::1:role/admin"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
        assert_eq!(percent_decode("%FF"), "%FF", "not UTF-8: unchanged");
    }
}
