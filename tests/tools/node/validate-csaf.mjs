// Validates a CSAF 2.0 document with the BSI's @secvisogram/csaf-validator-lib (pinned by
// package-lock.json): the strict schema and every mandatory test. Prints VALID, or the failing
// tests with their first error, one per line; exit status 0 either way (1: unusable input).
//   node validate-csaf.mjs DOCUMENT.json
import { readFileSync } from 'node:fs'
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js'

const document = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const result = await validateStrict([csaf_2_0_strict, ...Object.values(mandatory)], document)
if (result.isValid) {
  console.log('VALID')
} else {
  for (const t of result.tests.filter((t) => !t.isValid)) {
    const e = t.errors[0] || {}
    console.log(`${t.name}: ${e.instancePath || ''} ${e.message || ''}`)
  }
}
