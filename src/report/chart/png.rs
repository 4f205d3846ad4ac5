//! PNG: the chart's SVG rasterised by resvg with the embedded font (no system fonts are
//! looked up), so the picture Slack shows has every word the SVG has.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use super::font::{BOLD, FAMILY, REGULAR};
use crate::report::OutputError;

/// Drawn at twice the SVG's size so lines and text stay crisp on high-density screens.
pub const SCALE: f32 = 2.0;

/// The embedded fonts, loaded once per process.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_font_data(REGULAR.to_vec());
            db.load_font_data(BOLD.to_vec());
            db.set_sans_serif_family(FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Parse options that resolve every font to the embedded ones.
pub fn options() -> usvg::Options<'static> {
    usvg::Options {
        font_family: FAMILY.to_string(),
        fontdb: fonts(),
        ..usvg::Options::default()
    }
}

/// The SVG as a PNG at [`SCALE`] times its size.
pub fn rasterise(svg: &str) -> Result<Vec<u8>, OutputError> {
    let fail = |why: String| OutputError::Write(format!("chart: cannot draw the PNG: {why}"));
    let tree = usvg::Tree::from_str(svg, &options()).map_err(|e| fail(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(SCALE)
        .ok_or_else(|| fail("empty image".into()))?;
    let mut pixmap =
        Pixmap::new(size.width(), size.height()).ok_or_else(|| fail("empty image".into()))?;
    resvg::render(
        &tree,
        Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| fail(e.to_string()))
}
