//! The recipe format's JSON schema, generated from the raw layer and its doc comments: what
//! editors (taplo, Even Better TOML) complete and check recipes with, shipped as
//! `docs/recipe.schema.json` and printed by `cargo cra schema recipe`.

/// The JSON schema (draft 2020-12) of recipes, pretty-printed with a final newline.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(super::raw::Recipe);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    text.push('\n');
    text
}

/// The recipe reference `cargo cra help recipe` prints: every table and key with its type,
/// default and description, walked from the same schema as [`json_schema`] (so from the
/// recipe model itself: it cannot drift from what `compose` reads).
pub fn reference() -> String {
    let schema =
        serde_json::to_value(schemars::schema_for!(super::raw::Recipe)).expect("serialises");
    let walk = Walk {
        defs: &schema["$defs"],
    };
    let mut out = String::from(
        "RECIPE REFERENCE (cargo cra compose RECIPE)\n\n\
         A recipe is a TOML file; paths in it are relative to its directory. Unknown keys are\n\
         errors. Each table below lists its keys: type, whether required, default, meaning.\n\
         The JSON schema of the same format: `cargo cra schema recipe`.\n\n",
    );
    out += &indent(text(&schema), 0);
    walk.table(&schema, "", false, &mut out);
    out
}

/// The schema's definitions, to resolve `$ref`s against.
struct Walk<'a> {
    defs: &'a serde_json::Value,
}

/// What a key holds, as the reference shows it.
enum Shape<'a> {
    /// A table: its schema.
    Table(&'a serde_json::Value),
    /// An array of tables: the element's schema.
    Tables(&'a serde_json::Value),
    /// Anything else: its type, in words.
    Value(String),
}

impl<'a> Walk<'a> {
    /// A schema with `$ref` and `anyOf [X, null]` (an optional X) resolved.
    fn resolve(&self, s: &'a serde_json::Value) -> &'a serde_json::Value {
        if let Some(r) = s["$ref"].as_str() {
            let name = r.rsplit('/').next().unwrap_or_default();
            return self.resolve(&self.defs[name]);
        }
        if let Some(any) = s["anyOf"].as_array() {
            let not_null: Vec<_> = any.iter().filter(|a| a["type"] != "null").collect();
            if let [one] = not_null[..] {
                return self.resolve(one);
            }
        }
        s
    }

    fn shape(&self, s: &'a serde_json::Value) -> Shape<'a> {
        let r = self.resolve(s);
        if r["properties"].is_object() {
            return Shape::Table(r);
        }
        if type_is(r, "array") {
            let item = self.resolve(&r["items"]);
            if item["properties"].is_object() {
                return Shape::Tables(item);
            }
            return Shape::Value(format!("array of {}", self.type_words(item)));
        }
        Shape::Value(self.type_words(r))
    }

    /// `string`, `integer`, `boolean`, `table of string`, `string or integer`, ….
    fn type_words(&self, s: &serde_json::Value) -> String {
        let s = self.resolve(s);
        if let Some(any) = s["anyOf"].as_array().or(s["oneOf"].as_array()) {
            let words: Vec<String> = any
                .iter()
                .filter(|a| a["type"] != "null")
                .map(|a| self.type_words(a))
                .collect();
            return words.join(" or ");
        }
        let types: Vec<&str> = match &s["type"] {
            serde_json::Value::String(t) => vec![t.as_str()],
            serde_json::Value::Array(ts) => ts
                .iter()
                .filter_map(|t| t.as_str())
                .filter(|t| *t != "null")
                .collect(),
            _ => vec!["value"],
        };
        types
            .iter()
            .map(|t| match *t {
                "object" => format!(
                    "table of {}",
                    self.type_words(&s["additionalProperties"])
                        .replace("value", "values")
                ),
                "array" => format!("array of {}", self.type_words(&s["items"])),
                t => t.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// Writes the table `s` at `path` (empty: the root), its keys, then its sub-tables.
    fn table(&self, s: &serde_json::Value, path: &str, array: bool, out: &mut String) {
        if !path.is_empty() {
            let (open, close) = if array { ("[[", "]]") } else { ("[", "]") };
            out.push_str(&format!("{open}{path}{close}\n"));
        }
        let Some(props) = s["properties"].as_object() else {
            return;
        };
        let required: Vec<&str> = s["required"]
            .as_array()
            .map(|r| r.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        let mut tables = Vec::new();
        for (key, p) in props {
            let described = match text(p).is_empty() {
                true => self.resolve(p),
                false => p,
            };
            match self.shape(p) {
                Shape::Value(ty) => {
                    let mut facts = vec![ty];
                    if required.contains(&key.as_str()) {
                        facts.push("required".into());
                    }
                    // A description that gives the default says it better (`0o755`, not 493).
                    let default = p.get("default").filter(|d| !d.is_null());
                    if let Some(d) = default.filter(|_| !text(described).contains("default")) {
                        facts.push(format!("default {d}"));
                    }
                    out.push_str(&format!("  {key} ({})\n", facts.join(", ")));
                    out.push_str(&indent(text(described), 6));
                }
                Shape::Table(t) => tables.push((key, described, t, false)),
                Shape::Tables(t) => tables.push((key, described, t, true)),
            }
        }
        out.push('\n');
        // The image's identity first, then the rest in the schema's order.
        tables.sort_by_key(|(key, ..)| key.as_str() != "image");
        for (key, described, t, array) in tables {
            let sub = match path.is_empty() {
                true => key.clone(),
                false => format!("{path}.{key}"),
            };
            let mut body = String::new();
            self.table(t, &sub, array, &mut body);
            // The table's heading, then what it is, then its keys.
            let (heading, rest) = body.split_once('\n').unwrap_or((&body, ""));
            out.push_str(heading);
            out.push('\n');
            out.push_str(&indent(text(described), 2));
            out.push_str(rest);
        }
    }
}

fn type_is(s: &serde_json::Value, t: &str) -> bool {
    s["type"] == t
        || s["type"]
            .as_array()
            .is_some_and(|ts| ts.iter().any(|x| x == t))
}

/// A schema's description (its doc comment), or nothing.
fn text(s: &serde_json::Value) -> &str {
    s["description"].as_str().unwrap_or_default()
}

/// Each line of `text` indented by `by` spaces, with a final newline (nothing for no text).
fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{:by$}{l}\n", "").trim_end().to_string() + "\n")
        .collect()
}
