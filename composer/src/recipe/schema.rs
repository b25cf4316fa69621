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
