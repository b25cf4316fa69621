// @actions/workflow-parser imports its JSON schema without an import attribute, which Node 20
// refuses; this loader hook adds `type: "json"` to JSON imports (node --import ./json-import.mjs).
export async function load(url, context, nextLoad) {
  if (url.endsWith(".json")) {
    return nextLoad(url, { ...context, importAttributes: { type: "json" } });
  }
  return nextLoad(url, context);
}
