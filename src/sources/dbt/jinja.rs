//! dbt's Jinja for YAML values, with minijinja (no Python): `var()`, `env_var()`, `target`,
//! the `as_text` / `as_bool` / `as_number` / `as_native` filters, `{% if %}` and Jinja's
//! built-in filters.
//!
//! dbt renders YAML values "natively": a value that is exactly one `{{ … }}` keeps the type of
//! what it yields (`{{ var('n') }}` with `n: 12` is the number 12, `{{ none }}` is null);
//! anything else is text, and `as_text` keeps a number-looking result a string. A name vitals
//! does not know (a project macro, `{{ modules… }}`) is an error naming the expression rather
//! than a silent empty string.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use minijinja::value::{Object, Rest};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};
use serde_json::{Map, Value as Json};

/// Work one value may cost: far above any real template, low enough to stop a hostile one.
const FUEL: u64 = 200_000;

/// What templates may read.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// `var()`: already merged (command line over the project's own over global).
    pub vars: Map<String, Json>,
    /// The environment `env_var()` reads.
    pub env: BTreeMap<String, String>,
    /// `target`, when a profile was found.
    pub target: Option<Map<String, Json>>,
    pub project_name: Option<String>,
    /// `DBT_ENV_SECRET_*` variables are allowed only in `profiles.yml`, as in dbt.
    pub allow_secrets: bool,
    /// For `loaded_at_query`: the relation `{{ this }}` names.
    pub this: Option<String>,
}

/// A template that could not be rendered: the expression, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderError {
    /// Line within the template (1-based).
    pub line: usize,
    pub expression: String,
    pub message: String,
}

/// How dbt marks a filtered value for its native rendering.
#[derive(Clone, Copy, Debug, PartialEq)]
enum MarkerKind {
    Text,
    Native,
    Bool,
    Number,
}

#[derive(Debug)]
struct Marker {
    kind: MarkerKind,
    text: String,
}

impl Object for Marker {
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn marker(kind: MarkerKind) -> impl Fn(Value) -> Value + Send + Sync + 'static {
    move |v: Value| {
        Value::from_object(Marker {
            kind,
            text: python_str(&v),
        })
    }
}

/// What Python's `str()` makes of a value, as dbt joins output pieces.
fn python_str(v: &Value) -> String {
    if let Some(m) = v.downcast_object_ref::<Marker>() {
        return m.text.clone();
    }
    match v.kind() {
        minijinja::value::ValueKind::None | minijinja::value::ValueKind::Undefined => "None".into(),
        minijinja::value::ValueKind::Bool => if v.is_true() { "True" } else { "False" }.into(),
        minijinja::value::ValueKind::String => v.as_str().unwrap_or_default().to_string(),
        minijinja::value::ValueKind::Seq | minijinja::value::ValueKind::Map => python_repr(v),
        _ => v.to_string(),
    }
}

fn python_repr(v: &Value) -> String {
    match v.kind() {
        minijinja::value::ValueKind::String => {
            format!("'{}'", v.as_str().unwrap_or_default().replace('\'', "\\'"))
        }
        minijinja::value::ValueKind::Seq => {
            let items: Vec<String> = v
                .try_iter()
                .map(|it| it.map(|x| python_repr(&x)).collect())
                .unwrap_or_default();
            format!("[{}]", items.join(", "))
        }
        minijinja::value::ValueKind::Map => {
            let items: Vec<String> = v
                .try_iter()
                .map(|it| {
                    it.map(|k| {
                        let val = v.get_item(&k).unwrap_or_default();
                        format!("{}: {}", python_repr(&k), python_repr(&val))
                    })
                    .collect()
                })
                .unwrap_or_default();
            format!("{{{}}}", items.join(", "))
        }
        _ => python_str(v),
    }
}

/// Python's `ast.literal_eval` for the literals YAML values use; `None` when it is not one.
fn literal_eval(text: &str) -> Option<Json> {
    let t = text.trim();
    match t {
        "True" => return Some(Json::Bool(true)),
        "False" => return Some(Json::Bool(false)),
        "None" => return Some(Json::Null),
        _ => {}
    }
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.contains('.');
    if !leading_zero {
        if let Ok(i) = t.replace('_', "").parse::<i64>() {
            return Some(Json::from(i));
        }
        if t.chars().any(|c| c.is_ascii_digit()) {
            if let Some(n) = t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                return Some(Json::Number(n));
            }
        }
    }
    for quote in ['\'', '"'] {
        if t.len() >= 2 && t.starts_with(quote) && t.ends_with(quote) {
            let inner = &t[1..t.len() - 1];
            if !inner.contains(quote) {
                return Some(Json::String(inner.to_string()));
            }
        }
    }
    None
}

fn json_of(v: &Value) -> Result<Json, String> {
    if let Some(m) = v.downcast_object_ref::<Marker>() {
        return match m.kind {
            MarkerKind::Text => Ok(Json::String(m.text.clone())),
            MarkerKind::Native => Ok(literal_eval(&m.text).unwrap_or(Json::String(m.text.clone()))),
            MarkerKind::Bool => match literal_eval(&m.text) {
                Some(b @ Json::Bool(_)) => Ok(b),
                _ => Err(format!(
                    "could not convert value '{}' into type 'bool'",
                    m.text
                )),
            },
            MarkerKind::Number => match literal_eval(&m.text) {
                Some(n @ Json::Number(_)) => Ok(n),
                _ => Err(format!(
                    "could not convert value '{}' into type 'number'",
                    m.text
                )),
            },
        };
    }
    if v.is_undefined() {
        return Ok(Json::Null);
    }
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// Has Jinja in it (dbt's own test: `{{`, `{%`, `{#` or their closers).
pub fn has_jinja(text: &str) -> bool {
    ["{{", "{%", "{#", "}}", "%}", "#}"]
        .iter()
        .any(|m| text.contains(m))
}

/// A Jinja environment for one scope; renders one YAML value at a time.
pub struct Renderer {
    env: Environment<'static>,
    /// The values each `{{ … }}` printed during the current render.
    printed: Arc<Mutex<Vec<Value>>>,
    has_target: bool,
}

impl Renderer {
    pub fn new(scope: Scope) -> Renderer {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_debug(true);
        env.set_fuel(Some(FUEL));
        let printed: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink = printed.clone();
        env.set_formatter(move |out, _state, value| {
            if let Ok(mut p) = sink.lock() {
                p.push(value.clone());
            }
            out.write_str(&python_str(value))
                .map_err(|e| Error::new(ErrorKind::WriteFailure, e.to_string()))
        });
        for (name, kind) in [
            ("as_text", MarkerKind::Text),
            ("as_native", MarkerKind::Native),
            ("as_bool", MarkerKind::Bool),
            ("as_number", MarkerKind::Number),
        ] {
            env.add_filter(name, marker(kind));
        }
        let vars = Value::from(minijinja::value::Serde(Json::Object(scope.vars.clone())));
        env.add_function("var", move |args: Rest<Value>| -> Result<Value, Error> {
            let name = args.first().and_then(|v| v.as_str().map(str::to_string)).ok_or_else(
                || Error::new(ErrorKind::InvalidOperation, "var() needs a variable name"),
            )?;
            match vars.get_attr(&name) {
                Ok(v) if !v.is_undefined() => Ok(v),
                _ => args.get(1).cloned().ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("required var '{name}' not found (set it in dbt_project.yml `vars:` or with --dbt-var {name}=VALUE)"),
                    )
                }),
            }
        });
        let environ = scope.env.clone();
        let allow_secrets = scope.allow_secrets;
        env.add_function(
            "env_var",
            move |args: Rest<Value>| -> Result<Value, Error> {
                let name = args
                    .first()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidOperation,
                            "env_var() needs a variable name",
                        )
                    })?;
                if name.starts_with("DBT_ENV_SECRET") && !allow_secrets {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("secret env var {name} is allowed only in profiles.yml"),
                    ));
                }
                if let Some(v) = environ.get(&name) {
                    return Ok(Value::from(v.clone()));
                }
                match args.get(1) {
                    Some(default) if !default.is_none() => Ok(default.clone()),
                    _ => Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!("env var required but not provided: '{name}'"),
                    )),
                }
            },
        );
        let has_target = scope.target.is_some();
        if let Some(target) = &scope.target {
            env.add_global(
                "target",
                Value::from(minijinja::value::Serde(Json::Object(target.clone()))),
            );
        }
        if let Some(name) = &scope.project_name {
            env.add_global("project_name", Value::from(name.clone()));
        }
        if let Some(this) = &scope.this {
            env.add_global("this", Value::from(this.clone()));
        }
        Renderer {
            env,
            printed,
            has_target,
        }
    }

    /// Renders one YAML string value as dbt does (native types for a lone `{{ … }}`).
    pub fn render(&self, text: &str) -> Result<Json, RenderError> {
        if !has_jinja(text) {
            return Ok(Json::String(text.to_string()));
        }
        if let Ok(mut p) = self.printed.lock() {
            p.clear();
        }
        let rendered = self
            .env
            .render_str(text, ())
            .map_err(|e| self.error(text, &e))?;
        let printed = self.printed.lock().map(|p| p.clone()).unwrap_or_default();
        match printed.as_slice() {
            [only] if python_str(only) == rendered => {
                json_of(only).map_err(|message| RenderError {
                    line: 1,
                    expression: text.trim().to_string(),
                    message,
                })
            }
            _ => Ok(Json::String(rendered)),
        }
    }

    fn error(&self, text: &str, e: &Error) -> RenderError {
        let expression = e
            .range()
            .and_then(|r| text.get(r))
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(text)
            .trim()
            .to_string();
        let mut message = match e.detail() {
            Some(detail) => format!("{}: {detail}", kind_text(e.kind())),
            None => kind_text(e.kind()).to_string(),
        };
        if !self.has_target && e.kind() == ErrorKind::UndefinedError && text.contains("target") {
            message.push_str(" (no dbt profile was found for `target`: pass --dbt-project DIR, with --profiles-dir if profiles.yml is elsewhere)");
        }
        RenderError {
            line: e.line().unwrap_or(1),
            expression,
            message,
        }
    }
}

fn kind_text(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::UndefinedError => "undefined value",
        ErrorKind::UnknownFunction => "unknown function (dbt macros are not available to vitals)",
        ErrorKind::UnknownFilter => "unknown filter",
        ErrorKind::UnknownTest => "unknown test",
        ErrorKind::SyntaxError => "syntax error",
        ErrorKind::OutOfFuel => "the template does too much work",
        ErrorKind::InvalidOperation => "cannot render",
        _ => "cannot render",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn renderer() -> Renderer {
        let mut vars = Map::new();
        vars.insert("n".into(), json!(12));
        vars.insert("flag".into(), json!(false));
        vars.insert("name".into(), json!("raw"));
        vars.insert("year".into(), json!(2024));
        let mut target = Map::new();
        target.insert("name".into(), json!("dev"));
        target.insert("database".into(), json!("analytics"));
        Renderer::new(Scope {
            vars,
            env: [("SHOP_HOURS".to_string(), "48".to_string())].into(),
            target: Some(target),
            project_name: Some("shop".into()),
            allow_secrets: false,
            this: None,
        })
    }

    #[test]
    fn a_lone_expression_keeps_its_type() {
        let r = renderer();
        assert_eq!(r.render("{{ var('n') }}").unwrap(), json!(12));
        assert_eq!(r.render("{{ var('flag') }}").unwrap(), json!(false));
        assert_eq!(r.render("{{ none }}").unwrap(), Json::Null);
        assert_eq!(
            r.render("{{ target.name == 'prod' }}").unwrap(),
            json!(false)
        );
    }

    #[test]
    fn anything_else_is_text() {
        let r = renderer();
        assert_eq!(r.render("erp_{{ var('n') }}").unwrap(), json!("erp_12"));
        assert_eq!(r.render("x_{{ var('flag') }}").unwrap(), json!("x_False"));
        assert_eq!(r.render("plain").unwrap(), json!("plain"));
        assert_eq!(
            r.render("{% if target.name == 'dev' %}events_dev{% else %}events{% endif %}")
                .unwrap(),
            json!("events_dev")
        );
    }

    #[test]
    fn var_defaults_and_env_var_defaults() {
        let r = renderer();
        assert_eq!(r.render("{{ var('missing', 'd') }}").unwrap(), json!("d"));
        assert_eq!(r.render("{{ var('missing', none) }}").unwrap(), Json::Null);
        assert_eq!(
            r.render("{{ env_var('SHOP_HOURS') }}").unwrap(),
            json!("48")
        );
        assert_eq!(
            r.render("{{ env_var('UNSET_X', 'fallback') }}").unwrap(),
            json!("fallback")
        );
        let e = r.render("{{ var('missing') }}").unwrap_err();
        assert!(
            e.message.contains("required var 'missing' not found"),
            "{e:?}"
        );
        let e = r.render("{{ env_var('UNSET_X') }}").unwrap_err();
        assert!(
            e.message
                .contains("env var required but not provided: 'UNSET_X'"),
            "{e:?}"
        );
        let e = r
            .render("{{ env_var('DBT_ENV_SECRET_TOKEN', 'x') }}")
            .unwrap_err();
        assert!(e.message.contains("only in profiles.yml"), "{e:?}");
    }

    #[test]
    fn markers_decide_the_type() {
        let r = renderer();
        assert_eq!(
            r.render("{{ var('year') | as_text }}").unwrap(),
            json!("2024")
        );
        assert_eq!(
            r.render("{{ env_var('SHOP_HOURS') | as_number }}").unwrap(),
            json!(48)
        );
        assert_eq!(r.render("{{ 'True' | as_bool }}").unwrap(), json!(true));
        assert_eq!(r.render("{{ '[1' | as_native }}").unwrap(), json!("[1"));
        assert!(r
            .render("{{ 'yes' | as_bool }}")
            .unwrap_err()
            .message
            .contains("'bool'"));
    }

    #[test]
    fn an_unknown_macro_names_the_expression() {
        let r = renderer();
        let e = r.render("{{ my_schema('x') }}").unwrap_err();
        assert!(e.message.starts_with("unknown function"), "{e:?}");
        assert!(e.expression.contains("my_schema"), "{e:?}");
        let e = r.render("a\n{{ nope.x }}").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }

    #[test]
    fn without_a_profile_target_is_explained() {
        let r = Renderer::new(Scope::default());
        let e = r.render("{{ target.schema }}").unwrap_err();
        assert!(e.message.contains("no dbt profile"), "{e:?}");
    }
}
