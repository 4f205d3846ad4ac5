//! A validating, field-skipping reader of one GA4 export row (one NDJSON line).
//!
//! Parsing every field of a 1–2 KB export row into a JSON tree is most of the cost of the
//! job; this scanner walks the row once, borrows the six fields the report needs and skips
//! the rest while still checking the JSON structure. Anything it is unsure of — an escaped
//! string among the wanted fields, a syntax error, a wrong type — goes to the full parser in
//! [`slow`], which has the final word and the precise error message.

use super::quotes::Quotes;
use crate::domain::crash_free::RawRow;

/// The scanner declined the row; the full parser decides.
#[derive(Debug)]
pub struct Declined;

type Scan<T> = Result<T, Declined>;

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
    /// Where the line's quotes are, when it has no backslash: a string then ends at the next
    /// quote. Without it, strings are searched for their end.
    quotes: Option<Quotes<'a>>,
}

/// Containers nested deeper than this are handed to the full parser.
const MAX_DEPTH: u32 = 64;

impl<'a> Cursor<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if !matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.i += 1;
        }
    }

    #[inline(always)]
    fn peek(&mut self) -> Scan<u8> {
        // Export rows are compact JSON: the next byte is rarely whitespace.
        match self.b.get(self.i) {
            Some(&c) if c > b' ' => Ok(c),
            _ => {
                self.ws();
                self.b.get(self.i).copied().ok_or(Declined)
            }
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Scan<()> {
        if self.peek()? == c {
            self.i += 1;
            Ok(())
        } else {
            Err(Declined)
        }
    }

    /// A string without escapes, after its opening quote.
    #[inline(always)]
    fn plain_string(&mut self) -> Scan<&'a [u8]> {
        if let Some(quotes) = self.quotes {
            let end = quotes
                .next(self.i)
                .filter(|&e| e < self.b.len())
                .ok_or(Declined)?;
            let text = &self.b[self.i..end];
            self.i = end + 1;
            return Ok(text);
        }
        let rest = &self.b[self.i..];
        let end = memchr::memchr2(b'"', b'\\', rest).ok_or(Declined)?;
        if rest[end] == b'\\' {
            return Err(Declined);
        }
        self.i += end + 1;
        Ok(&rest[..end])
    }

    /// Any string, after its opening quote. Escapes are checked as strictly as the full
    /// parser checks them; anything rarer than a plain escape or a `\uXXXX` outside the
    /// surrogate range (a surrogate pair, say) is declined. Raw control characters are the
    /// caller's to catch (see `ndjson::scan_chunk`).
    #[inline(always)]
    fn skip_string(&mut self) -> Scan<()> {
        if let Some(quotes) = self.quotes {
            let end = quotes
                .next(self.i)
                .filter(|&e| e < self.b.len())
                .ok_or(Declined)?;
            self.i = end + 1;
            return Ok(());
        }
        loop {
            let rest = &self.b[self.i..];
            let at = memchr::memchr2(b'"', b'\\', rest).ok_or(Declined)?;
            self.i += at + 1;
            if rest[at] == b'"' {
                return Ok(());
            }
            match self.b.get(self.i) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                Some(b'u') => {
                    let hex = self.b.get(self.i + 1..self.i + 5).ok_or(Declined)?;
                    let mut code = 0u32;
                    for &c in hex {
                        code = code << 4 | char::from(c).to_digit(16).ok_or(Declined)?;
                    }
                    if (0xD800..=0xDFFF).contains(&code) {
                        return Err(Declined);
                    }
                    self.i += 5;
                }
                _ => return Err(Declined), // `\q`, or a line cut off inside an escape
            }
        }
    }

    /// A number in JSON's grammar (no leading zeros, digits after `.`). Exponents and very long
    /// integers are declined: whether they fit an f64 is the full parser's call.
    fn skip_number(&mut self) -> Scan<()> {
        let b = self.b;
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - s
        };
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let first = i;
        match digits(&mut i) {
            0 => return Err(Declined),
            1 => {}
            n if b[first] == b'0' || n > 18 => return Err(Declined),
            _ => {}
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return Err(Declined);
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            return Err(Declined);
        }
        self.i = i;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(Declined)
        }
    }

    /// Skips one value of any shape, checking its JSON as it goes. Iterative, with the open
    /// containers as a bit stack (1: object, 0: array): most of a row is skipped here, so this
    /// is the scanner's inner loop. `depth` is the nesting the value starts at.
    fn skip_value(&mut self, depth: u32) -> Scan<()> {
        let mut open: u64 = 0;
        let mut levels = 0u32;
        loop {
            // A value.
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    self.skip_string()?;
                }
                c @ (b'{' | b'[') => {
                    self.i += 1;
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.peek()? == close {
                        self.i += 1;
                    } else {
                        levels += 1;
                        if depth + levels > MAX_DEPTH {
                            return Err(Declined);
                        }
                        open = open << 1 | u64::from(c == b'{');
                        if c == b'{' {
                            self.key()?;
                        }
                        continue;
                    }
                }
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                _ => self.skip_number()?,
            }
            // After a value: close containers until one continues with a comma.
            loop {
                if levels == 0 {
                    return Ok(());
                }
                let in_object = open & 1 == 1;
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        if in_object {
                            self.key()?;
                        }
                        break;
                    }
                    b'}' if in_object => {}
                    b']' if !in_object => {}
                    _ => return Err(Declined),
                }
                self.i += 1;
                open >>= 1;
                levels -= 1;
            }
        }
    }

    /// An object member's key and colon, when only its value matters.
    #[inline]
    fn key(&mut self) -> Scan<()> {
        self.eat(b'"')?;
        self.skip_string()?;
        self.eat(b':')
    }

    /// The members of an object, after its `{`; `member` consumes each value.
    #[inline]
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Scan<()>) -> Scan<()> {
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.eat(b'"')?;
            let key = self.plain_string()?;
            self.eat(b':')?;
            member(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Declined),
            }
        }
    }

    /// The elements of an array, after its `[`.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Scan<()>) -> Scan<()> {
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Declined),
            }
        }
    }

    /// A string or `null`; any other type is the full parser's to report.
    #[inline]
    fn opt_str(&mut self) -> Scan<Option<&'a [u8]>> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.plain_string().map(Some)
            }
            b'n' => self.literal(b"null").map(|_| None),
            _ => Err(Declined),
        }
    }

    /// An INT64 as BigQuery writes it: a JSON number or a string of digits, or `null`.
    fn opt_int(&mut self) -> Scan<Option<i64>> {
        let text = match self.peek()? {
            b'"' => {
                self.i += 1;
                self.plain_string()?
            }
            b'n' => return self.literal(b"null").map(|_| None),
            _ => {
                let start = self.i;
                self.skip_number()?;
                &self.b[start..self.i]
            }
        };
        std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse().ok())
            .map(Some)
            .ok_or(Declined)
    }

    fn opt_object(&mut self, member: impl FnMut(&mut Self, &'a [u8]) -> Scan<()>) -> Scan<()> {
        match self.peek()? {
            b'{' => {
                self.i += 1;
                self.object(member)
            }
            b'n' => self.literal(b"null"),
            _ => Err(Declined),
        }
    }
}

/// The fast path as the reader runs it: `None` means ask [`slow::parse_row`]. With
/// `may_have_controls` (the chunk holds a control byte somewhere), a row with a raw control
/// byte goes to the full parser, since the scanner does not look for them inside strings.
/// `quotes`, when given, indexes the line's quotes and promises it has no backslash.
#[inline]
pub fn fast_row<'a>(
    line: &'a [u8],
    may_have_controls: bool,
    quotes: Option<Quotes<'a>>,
) -> Option<RawRow<'a>> {
    if may_have_controls && line.iter().any(|&b| b < 0x20) {
        return None;
    }
    scan(line, quotes).ok()
}

/// Scans one row. `Err(Declined)` means: ask [`slow::parse_row`].
#[cfg(test)]
pub fn scan_row(line: &[u8]) -> Scan<RawRow<'_>> {
    scan(line, None)
}

fn scan<'a>(line: &'a [u8], quotes: Option<Quotes<'a>>) -> Scan<RawRow<'a>> {
    let mut row = RawRow::default();
    let mut cur = Cursor {
        b: line,
        i: 0,
        quotes,
    };
    cur.eat(b'{')?;
    cur.object(|cur, key| match key {
        b"event_date" => cur.opt_str().map(|v| row.event_date = v),
        b"event_name" => cur.opt_str().map(|v| row.event_name = v),
        b"user_pseudo_id" => cur.opt_str().map(|v| row.user_pseudo_id = v),
        b"platform" => cur.opt_str().map(|v| row.platform = v),
        b"app_info" => {
            row.app_version = None;
            cur.opt_object(|cur, key| match key {
                b"version" => cur.opt_str().map(|v| row.app_version = v),
                _ => cur.skip_value(2),
            })
        }
        b"event_params" => {
            row.fatal = None;
            match cur.peek()? {
                b'n' => cur.literal(b"null"),
                b'[' => {
                    cur.i += 1;
                    cur.array(|cur| {
                        let (mut name, mut int_value) = (None, None);
                        cur.eat(b'{')?;
                        cur.object(|cur, key| match key {
                            b"key" => cur.opt_str().map(|v| name = v),
                            b"value" => cur.opt_object(|cur, key| match key {
                                b"int_value" => cur.opt_int().map(|v| int_value = v),
                                _ => cur.skip_value(4),
                            }),
                            _ => cur.skip_value(3),
                        })?;
                        if name == Some(b"fatal".as_slice()) {
                            row.fatal = int_value;
                        }
                        Ok(())
                    })
                }
                _ => Err(Declined),
            }
        }
        _ => cur.skip_value(1),
    })?;
    cur.ws();
    if cur.i != line.len() {
        return Err(Declined);
    }
    Ok(row)
}

/// The full parser: the authority on every row the scanner declines.
pub mod slow {
    use serde_json::Value;

    use crate::domain::crash_free::RawRow;

    /// Owned copies of the wanted fields (escapes decoded).
    #[derive(Debug, Default)]
    pub struct OwnedRow {
        event_date: Option<String>,
        event_name: Option<String>,
        user_pseudo_id: Option<String>,
        platform: Option<String>,
        app_version: Option<String>,
        fatal: Option<i64>,
    }

    impl OwnedRow {
        pub fn as_raw(&self) -> RawRow<'_> {
            fn b(s: &Option<String>) -> Option<&[u8]> {
                s.as_deref().map(str::as_bytes)
            }
            RawRow {
                event_date: b(&self.event_date),
                event_name: b(&self.event_name),
                user_pseudo_id: b(&self.user_pseudo_id),
                platform: b(&self.platform),
                app_version: b(&self.app_version),
                fatal: self.fatal,
            }
        }
    }

    /// A precise, one-line reason; `column` is 1-based when known.
    #[derive(Debug, PartialEq, Eq)]
    pub struct LineError {
        pub column: Option<usize>,
        pub message: String,
    }

    fn type_error(field: &str, expected: &str, got: &Value) -> LineError {
        let got = match got {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        LineError {
            column: None,
            message: format!("field `{field}`: expected {expected}, found {got}"),
        }
    }

    fn opt_str(
        obj: &serde_json::Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Result<Option<String>, LineError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(type_error(path, "a string", other)),
        }
    }

    fn opt_int(value: Option<&Value>, path: &str) -> Result<Option<i64>, LineError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| LineError {
                column: None,
                message: format!("field `{path}`: {n} is not an INT64"),
            }),
            Some(Value::String(s)) => s.parse().map(Some).map_err(|_| LineError {
                column: None,
                message: format!("field `{path}`: {s:?} is not an INT64"),
            }),
            Some(other) => Err(type_error(path, "an INT64", other)),
        }
    }

    pub fn parse_row(line: &[u8]) -> Result<OwnedRow, LineError> {
        let value: Value = serde_json::from_slice(line).map_err(|e| {
            let text = e.to_string();
            let message = match text.find(" at line ") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            LineError {
                column: Some(e.column()),
                message: format!("invalid JSON: {message}"),
            }
        })?;
        let Value::Object(obj) = &value else {
            return Err(type_error("(row)", "an object", &value));
        };
        let mut row = OwnedRow {
            event_date: opt_str(obj, "event_date", "event_date")?,
            event_name: opt_str(obj, "event_name", "event_name")?,
            user_pseudo_id: opt_str(obj, "user_pseudo_id", "user_pseudo_id")?,
            platform: opt_str(obj, "platform", "platform")?,
            ..OwnedRow::default()
        };
        match obj.get("app_info") {
            None | Some(Value::Null) => {}
            Some(Value::Object(app)) => {
                row.app_version = opt_str(app, "version", "app_info.version")?
            }
            Some(other) => return Err(type_error("app_info", "an object", other)),
        }
        match obj.get("event_params") {
            None | Some(Value::Null) => {}
            Some(Value::Array(params)) => {
                for (i, param) in params.iter().enumerate() {
                    let path = format!("event_params[{i}]");
                    let Value::Object(param) = param else {
                        return Err(type_error(&path, "an object", param));
                    };
                    let key = opt_str(param, "key", &format!("{path}.key"))?;
                    let int_value = match param.get("value") {
                        None | Some(Value::Null) => None,
                        Some(Value::Object(v)) => {
                            opt_int(v.get("int_value"), &format!("{path}.value.int_value"))?
                        }
                        Some(other) => {
                            return Err(type_error(&format!("{path}.value"), "an object", other))
                        }
                    };
                    if key.as_deref() == Some("fatal") {
                        row.fatal = int_value;
                    }
                }
            }
            Some(other) => return Err(type_error("event_params", "an array", other)),
        }
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::slow::parse_row;
    use super::*;

    const ROW: &str = r#"{"event_date":"20261121","event_timestamp":"1763683200000000","event_name":"app_exception","event_params":[{"key":"timestamp","value":{"string_value":null,"int_value":"1763683200000","float_value":null,"double_value":null}},{"key":"fatal","value":{"string_value":null,"int_value":"1","float_value":null,"double_value":null}}],"event_previous_timestamp":null,"user_properties":[],"user_pseudo_id":"0f1e2d3c4b5a69788796a5b4c3d2e1f0","device":{"category":"mobile","mobile_brand_name":"Google","time_zone_offset_seconds":"32400","is_limited_ad_tracking":"No"},"geo":{"country":"Japan","city":"Tokyo"},"app_info":{"id":"com.example.app","version":"5.12.0","install_source":"com.android.vending"},"platform":"ANDROID","items":[]}"#;

    fn same(line: &str) {
        let fast = scan_row(line.as_bytes()).expect("scanner accepts");
        let slow = parse_row(line.as_bytes()).expect("parser accepts");
        let slow = slow.as_raw();
        assert_eq!(fast.event_date, slow.event_date);
        assert_eq!(fast.event_name, slow.event_name);
        assert_eq!(fast.user_pseudo_id, slow.user_pseudo_id);
        assert_eq!(fast.platform, slow.platform);
        assert_eq!(fast.app_version, slow.app_version);
        assert_eq!(fast.fatal, slow.fatal);
    }

    #[test]
    fn scanner_and_parser_agree_on_an_export_row() {
        same(ROW);
        let row = scan_row(ROW.as_bytes()).unwrap();
        assert_eq!(row.event_date, Some(b"20261121".as_slice()));
        assert_eq!(row.app_version, Some(b"5.12.0".as_slice()));
        assert_eq!(row.fatal, Some(1));
    }

    #[test]
    fn int64_may_be_a_number_or_a_string() {
        same(&ROW.replace(r#""int_value":"1""#, r#""int_value":1"#));
        let row = ROW.replace(r#""int_value":"1""#, r#""int_value":1"#);
        assert_eq!(scan_row(row.as_bytes()).unwrap().fatal, Some(1));
    }

    #[test]
    fn nulls_and_missing_fields_are_none() {
        same(
            r#"{"event_date":"20261121","user_pseudo_id":null,"app_info":null,"event_params":null,"platform":"IOS"}"#,
        );
        same(
            r#"{ "event_date" : "20261121" , "platform" : "IOS" , "x" : [1, -2.5, true, false, null, {"a": [{}]}] }"#,
        );
        same("{}");
    }

    #[test]
    fn escaped_and_unicode_strings_go_to_the_parser() {
        let line = ROW.replace("5.12.0", r"5.12\u002e0");
        assert!(scan_row(line.as_bytes()).is_err());
        assert_eq!(
            parse_row(line.as_bytes()).unwrap().as_raw().app_version,
            Some(b"5.12.0".as_slice())
        );
        // Escapes in skipped fields do not need the parser.
        same(&ROW.replace("Tokyo", r#"To\"kyo \u00e9"#));
    }

    #[test]
    fn malformed_rows_are_declined_and_explained() {
        for bad in [
            r#"{"event_date":"20261121",}"#,
            r#"{"event_date":"20261121" "platform":"IOS"}"#,
            r#"{"event_date":"20261121"} trailing"#,
            r#"{"event_date":"2026"#,
            r#"{"x": 01.}"#,
            r#"[1]"#,
            "",
        ] {
            assert!(scan_row(bad.as_bytes()).is_err(), "{bad}");
            assert!(parse_row(bad.as_bytes()).is_err(), "{bad}");
        }
        let err = parse_row(br#"{"event_date":"20261121",}"#).unwrap_err();
        assert!(err.message.starts_with("invalid JSON"), "{err:?}");
        assert_eq!(err.column, Some(26));
    }

    #[test]
    fn a_line_cut_off_inside_an_escape_is_declined_not_a_panic() {
        for cut in [r#"{"geo":{"city":"To\"#, r#"{"a":"\"#, r#"{"a":"x\u00"#] {
            assert!(scan_row(cut.as_bytes()).is_err(), "{cut}");
            assert!(parse_row(cut.as_bytes()).is_err(), "{cut}");
        }
    }

    /// One verdict per row: whatever the fast path accepts, the full parser accepts with the
    /// same fields (issue #13).
    fn one_verdict(line: &[u8]) {
        // The reader rejects invalid UTF-8 before either parser sees the line.
        if std::str::from_utf8(line).is_err() {
            return;
        }
        // The indexed path (for a line without backslashes) must agree with the plain one.
        let mut index = super::super::quotes::QuoteIndex::default();
        let indexed = (!line.contains(&b'\\')).then(|| {
            index.index(line);
            fast_row(line, true, Some(index.line(0)))
        });
        let Some(fast) = fast_row(line, true, None) else {
            assert!(indexed.flatten().is_none(), "only the indexed path accepts");
            return;
        };
        if let Some(indexed) = indexed {
            let indexed = indexed.expect("the indexed path accepts too");
            assert_eq!(
                (
                    indexed.event_date,
                    indexed.user_pseudo_id,
                    indexed.app_version,
                    indexed.fatal
                ),
                (
                    fast.event_date,
                    fast.user_pseudo_id,
                    fast.app_version,
                    fast.fatal
                )
            );
        }
        let slow = parse_row(line).unwrap_or_else(|e| {
            panic!(
                "the scanner accepted what the parser rejects ({e:?}): {}",
                String::from_utf8_lossy(line)
            )
        });
        let slow = slow.as_raw();
        assert_eq!(
            (
                fast.event_date,
                fast.event_name,
                fast.user_pseudo_id,
                fast.platform,
                fast.app_version,
                fast.fatal
            ),
            (
                slow.event_date,
                slow.event_name,
                slow.user_pseudo_id,
                slow.platform,
                slow.app_version,
                slow.fatal
            ),
            "{}",
            String::from_utf8_lossy(line)
        );
    }

    #[test]
    fn invalid_json_inside_skipped_fields_is_never_accepted() {
        for (from, to) in [
            ("Tokyo", "To\u{1}kyo"),
            ("Tokyo", "To\tkyo"),
            ("Tokyo", r"To\qkyo"),
            ("Tokyo", r"To\ud800kyo"),
            ("Tokyo", r"To\udc00kyo"),
            ("Tokyo", r"To\u12kyo"),
            (r#""items":[]"#, r#""items":[007]"#),
            (r#""items":[]"#, r#""items":[-01]"#),
            (r#""items":[]"#, r#""items":[1e400]"#),
            (r#""items":[]"#, r#""items":[1.]"#),
            (r#""items":[]"#, r#""items":[.5]"#),
            (r#""items":[]"#, r#""items":[+1]"#),
            (r#""items":[]"#, r#""items":[1,]"#),
            (r#""items":[]"#, r#""items":[tru]"#),
            (r#""items":[]"#, r#""items":{"a"}"#),
        ] {
            let line = ROW.replace(from, to);
            assert!(parse_row(line.as_bytes()).is_err(), "{line}");
            assert!(fast_row(line.as_bytes(), true, None).is_none(), "{line}");
        }
    }

    #[test]
    fn valid_escapes_and_numbers_in_skipped_fields_stay_on_the_fast_path() {
        for (from, to) in [
            ("Tokyo", r#"To\"k\\y\/o\b\f\n\r\t\u00e9\u20AC"#),
            (
                r#""items":[]"#,
                r#""items":[0,-0,0.5,-12.25,123456789012345678,true,false,null]"#,
            ),
        ] {
            let line = ROW.replace(from, to);
            assert!(fast_row(line.as_bytes(), true, None).is_some(), "{line}");
            one_verdict(line.as_bytes());
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Bytes that make or break JSON, and escapes and numbers the scanner must judge.
        const PIECES: &[&str] = &[
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "\t",
            "\r",
            "\u{1}",
            "\u{1f}",
            "0",
            "7",
            "-",
            "+",
            ".",
            "e",
            "E",
            "t",
            "n",
            "f",
            "null",
            "true",
            "007",
            "1e400",
            "-0",
            "1.5",
            "\\q",
            "\\u",
            "\\ud800",
            "\\udc00",
            "\\ud83d\\ude00",
            "\\u00e9",
            "\\n",
            "\\\"",
            "é",
            "\u{feff}",
            "fatal",
            "\"int_value\":",
            "\"fatal\"",
        ];

        fn mutation() -> impl Strategy<Value = (usize, usize, usize)> {
            (0..ROW.len(), 0..4usize, 0..PIECES.len())
        }

        /// The export row with a few pieces inserted, replacing or deleting what was there.
        fn mutated_row() -> impl Strategy<Value = Vec<u8>> {
            prop::collection::vec(mutation(), 1..4).prop_map(|edits| {
                let mut row = ROW.as_bytes().to_vec();
                for (at, removed, piece) in edits {
                    let at = at.min(row.len());
                    let end = (at + removed).min(row.len());
                    row.splice(at..end, PIECES[piece].bytes());
                }
                row
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            #[test]
            fn mutated_rows_get_one_verdict(row in mutated_row()) {
                one_verdict(&row);
            }

            #[test]
            fn arbitrary_bytes_get_one_verdict(row in prop::collection::vec(any::<u8>(), 0..64)) {
                one_verdict(&row);
            }

            #[test]
            fn rows_of_pieces_get_one_verdict(pieces in prop::collection::vec(0..PIECES.len(), 0..24)) {
                let row: String = std::iter::once("{\"event_date\":\"20261121\",\"x\":")
                    .chain(pieces.iter().map(|&p| PIECES[p]))
                    .collect();
                one_verdict(row.as_bytes());
            }
        }
    }

    #[test]
    fn wrong_types_name_the_field() {
        let err = parse_row(br#"{"event_date":20261121}"#).unwrap_err();
        assert_eq!(
            err.message,
            "field `event_date`: expected a string, found a number"
        );
        let err = parse_row(br#"{"app_info":{"version":5}}"#).unwrap_err();
        assert_eq!(
            err.message,
            "field `app_info.version`: expected a string, found a number"
        );
        let err = parse_row(br#"{"event_params":[{"key":"fatal","value":{"int_value":"yes"}}]}"#)
            .unwrap_err();
        assert_eq!(
            err.message,
            r#"field `event_params[0].value.int_value`: "yes" is not an INT64"#
        );
        assert!(scan_row(br#"{"event_date":20261121}"#).is_err());
    }
}
