// Node side of tests/test_search.py: run the real lunr.js 2.3.9 over what Python built.
// Usage: node tests/search_parity.mjs INPUT.json  ->  JSON on stdout.
// INPUT: {index, docs, texts: [str], words: [str], queries: [[query, [tagIds]]]}
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)
const lunr = require('../node_modules/lunr/lunr.js')
const core = require('../static/js/lunr-pipeline.js')(lunr)

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const out = {
  tokens: (input.texts || []).map(text => core.tokenize(text)),
  terms: (input.words || []).map(word => core.reduceWord(word) ?? null)
}
if (input.index) {
  const searcher = core.createSearcher(input.index, input.docs)
  out.index = searcher.index.toJSON()
  out.results = (input.queries || []).map(([query, tags]) => {
    const found = searcher.search(query, tags)
    return { refs: found.hits.map(hit => hit.doc.ref), total: found.total }
  })
}
process.stdout.write(JSON.stringify(out))
