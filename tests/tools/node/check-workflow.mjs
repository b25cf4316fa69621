// GitHub's own workflow parser on a workflow file: prints {"jobs": [...], "errors": [...]} and
// exits 1 when there is any error. Run as `node --import ./json-import.mjs check-workflow.mjs F`.
import { readFileSync } from "node:fs";
import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
} from "@actions/workflow-parser";

const path = process.argv[2];
const parsed = parseWorkflow(
  { name: path, content: readFileSync(path, "utf8") },
  new NoOperationTraceWriter(),
);
const errors = parsed.context.errors.getErrors().map((e) => e.message);
let jobs = [];
if (parsed.value) {
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  jobs = (template.jobs ?? []).map((j) => j.id?.value ?? String(j.id));
  errors.push(...(template.errors ?? []).map((e) => e.Message ?? e.message ?? String(e)));
}
console.log(JSON.stringify({ jobs, errors: [...new Set(errors)] }));
process.exit(errors.length ? 1 : 0);
