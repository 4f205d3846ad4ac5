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

    /// The emoji of a verdict line: an informational result (DORA levels, a tuning) is
    /// neither a pass nor a fail.
    pub fn status_emoji(self) -> &'static str {
        match self {
            Tone::Plain => "ℹ️",
            Tone::Muted => "➖",
            other => other.emoji(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
    /// Whether Markdown and Slack mark the cell with its tone's emoji. A DORA level is
    /// coloured in a terminal but is a level, not a pass or fail, so it carries none.
    pub marked: bool,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            tone: Tone::Plain,
            marked: false,
        }
    }

    /// A verdict: coloured in a terminal, marked with its emoji elsewhere.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
            marked: true,
        }
    }

    /// Coloured in a terminal only: a grade, not a verdict.
    pub fn coloured(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
            marked: false,
        }
    }

    /// The emoji Markdown and Slack put before it, if any.
    pub fn mark(&self) -> &'static str {
        if self.marked {
            self.tone.emoji()
        } else {
            ""
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
    /// Prose; each line of it is a line of its own in every sink.
    Text(String),
    /// Items, one a line.
    List(Vec<String>),
    /// A trend drawn in block characters: monospace wherever the sink has it.
    Sparkline {
        label: String,
        line: String,
    },
    Table(Grid),
}

/// A line that needs attention (a missed SLO, a stale source), for compact posts.
#[derive(Clone, Debug, PartialEq)]
pub struct Highlight {
    pub tone: Tone,
    pub text: String,
}

impl Highlight {
    pub fn new(tone: Tone, text: impl Into<String>) -> Highlight {
        Highlight {
            tone,
            text: text.into(),
        }
    }
}

/// Where to look further: a dashboard, a runbook, the CI run that made the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// One result, ready for any sink. A view without a title is plain text (a dry run's
/// estimate): sinks print its blocks only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    pub title: String,
    pub subtitle: String,
    /// The verdict of the whole result.
    pub tone: Tone,
    /// The key figures in one line (never several): what a digest's verdict line shows.
    pub headline: String,
    /// The change against the previous period, e.g. `IOS −0.02 pt vs 7 days before`; empty
    /// when there is nothing to compare with.
    pub change: String,
    /// What needs attention, one line each, worst first: what a compact post lists.
    pub highlights: Vec<Highlight>,
    pub blocks: Vec<Block>,
    /// A digest's parts, each a whole view titled by its section.
    pub sections: Vec<View>,
    pub links: Vec<Link>,
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

    /// The verdict line: the headline, then the change when there is one.
    pub fn verdict(&self) -> String {
        match (self.headline.is_empty(), self.change.is_empty()) {
            (_, true) => self.headline.clone(),
            (true, false) => self.change.clone(),
            (false, false) => format!("{} · {}", self.headline, self.change),
        }
    }
}
