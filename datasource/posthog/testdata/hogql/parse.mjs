// Parses HogQL statements with PostHog's own grammar (@posthog/hogql-parser,
// the WebAssembly build of the parser PostHog runs). Input: a JSON file of
// [{"name": ..., "sql": ...}]. Output on stdout: one JSON object per
// statement, {"name", "error", "message", "placeholders"}, where
// placeholders lists the names of the {placeholders} found in the AST.
import { readFileSync } from 'node:fs'
import createHogQLParser from '@posthog/hogql-parser'

const parser = await createHogQLParser()
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'))

function placeholders(node, out) {
    if (Array.isArray(node)) {
        for (const n of node) placeholders(n, out)
    } else if (node && typeof node === 'object') {
        if (node.node === 'Placeholder' && node.expr && Array.isArray(node.expr.chain)) {
            out.add(node.expr.chain.join('.'))
        }
        for (const v of Object.values(node)) placeholders(v, out)
    }
    return out
}

const results = cases.map(({ name, sql }) => {
    const ast = JSON.parse(parser.parseSelect(sql, true))
    if (ast.error) {
        return { name, error: true, message: `${ast.type}: ${ast.message}` }
    }
    return { name, error: false, placeholders: [...placeholders(ast, new Set())].sort() }
})
process.stdout.write(JSON.stringify(results))
