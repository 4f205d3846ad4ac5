//! The chart font, embedded in the binary: Inter (SIL OFL 1.1, `assets/fonts/`). The SVG is
//! laid out with its advance widths and the PNG is rasterised with it, so both show the same
//! text in the same places on any machine, with or without fonts installed.

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

pub const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/Inter-Regular.otf");
pub const BOLD: &[u8] = include_bytes!("../../../assets/fonts/Inter-Bold.otf");

/// The family every chart names first; the fallbacks have narrower or equal widths, so a
/// browser without Inter still fits every label where the layout put it.
pub const FAMILY: &str = "Inter";
pub const CSS_FAMILIES: &str = "Inter, 'Helvetica Neue', Arial, sans-serif";

/// The width `text` takes at `size` pixels (advance widths, no kerning: a little wide, which
/// only adds slack): the sum of its [`advances`].
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    advances(text, size, bold).sum()
}

/// The advance width of each character of `text` at `size` pixels, in order.
pub fn advances(text: &str, size: f64, bold: bool) -> impl Iterator<Item = f64> + '_ {
    let data = if bold { BOLD } else { REGULAR };
    // Never `None` for the embedded fonts; a font that cannot be read gets a generous estimate.
    let glyphs = FontRef::new(data).ok().map(|font| {
        (
            font.charmap(),
            font.glyph_metrics(Size::new(size as f32), LocationRef::default()),
        )
    });
    text.chars().map(move |c| {
        glyphs
            .as_ref()
            .and_then(|(charmap, metrics)| charmap.map(c).and_then(|g| metrics.advance_width(g)))
            .map_or(size * 0.62, f64::from)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_grow_with_text_size_and_weight() {
        let regular = text_width("Crash-free users", 12.0, false);
        assert!(regular > 60.0 && regular < 120.0, "{regular}");
        assert!(text_width("Crash-free users", 24.0, false) > 1.9 * regular);
        assert!(text_width("Crash-free users", 12.0, true) > regular);
        assert_eq!(text_width("", 12.0, false), 0.0);
    }

    #[test]
    fn the_symbols_charts_use_are_in_the_font() {
        let font = FontRef::new(REGULAR).unwrap();
        for c in "≥≤→·–—…−×%µ0123456789".chars() {
            assert!(font.charmap().map(c).is_some(), "{c:?} missing");
        }
    }
}
