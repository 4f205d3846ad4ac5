//! The contract's JSON documents, one per run, pretty-printed.

use super::Exporter;
use crate::report::{OutputError, Report};

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn export(&self, report: &Report) -> Result<Vec<u8>, OutputError> {
        let mut bytes = pretty(&report.document)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// Any serialisable value as pretty JSON (artifact files have no trailing newline, as before).
pub fn pretty(value: &impl serde::Serialize) -> Result<Vec<u8>, OutputError> {
    serde_json::to_vec_pretty(value)
        .map_err(|e| OutputError::Write(format!("cannot encode JSON: {e}")))
}
