//! A format-neutral picture of a result: what every human-facing sink (table, Markdown,
//! Slack) renders. Domain views build it once; sinks only lay it out.

/// How a result or a cell reads at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Tone {
    #[default]
    Plain,
    Good,
    Warn,
    Bad,
    Muted,
}

impl Tone {
    /// How much it needs attention: `Bad` most, `Plain` and `Muted` least.
    pub fn severity(self) -> u8 {
        match self {
            Tone::Bad => 3,
            Tone::Warn => 2,
            Tone::Good => 1,
            Tone::Plain | Tone::Muted => 0,
        }
    }

    /// The emoji used where colour is not available (Markdown, Slack).
    pub fn emoji(self) -> &'static str {
        match self {
            Tone::Good => "✅",
            Tone::Warn => "⚠️",
            Tone::Bad => "❌",
            Tone::Plain | Tone::Muted => "",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Plain,
        }
    }

    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table: a header, rows of cells, and each column's alignment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grid {
    pub header: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    /// A grid of `columns` (each a header and its alignment) and `rows`.
    pub fn new(columns: &[(&str, Align)], rows: Vec<Vec<Cell>>) -> Grid {
        Grid {
            header: columns.iter().map(|(h, _)| h.to_string()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// Starts a group (a platform, an SLO, …) with its own verdict.
    Heading {
        text: String,
        tone: Tone,
    },
    Text(String),
    Table(Grid),
}

/// One result, ready for any sink. A view without a title is plain text (a dry run's
/// estimate): sinks print its blocks only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    pub title: String,
    pub subtitle: String,
    /// The verdict of the whole result.
    pub tone: Tone,
    /// One line with the key figures, for a digest or a notification preview.
    pub headline: String,
    pub blocks: Vec<Block>,
    pub footer: String,
}

impl View {
    /// A view that is one line of text.
    pub fn text(text: impl Into<String>) -> View {
        View {
            blocks: vec![Block::Text(text.into())],
            ..View::default()
        }
    }
}
