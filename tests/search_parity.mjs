// Node side of tests/test_search.py: run the real lunr.js 2.3.9 over what Python built, and
// compare the core's own scoring with lunr's Index.query on the same clauses.
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
    // The same clauses through lunr's own Index.query, filtered to documents matching every word.
    const words = searcher.parse(query)
    const lunrHits = !words.length || !words.every(w => w.matches.length) ? [] : searcher.index.query(q => {
      for (const w of words) {
        q.term(w.exact, { usePipeline: false, boost: 10 })
        q.term(w.prefix, { usePipeline: false, boost: 2 })
        q.term(w.fuzzy, { usePipeline: false, boost: 1 })
      }
    }).filter(result => words.every(w => w.matches.some(term => term in result.matchData.metadata)))
    const shown = searcher.results(query, tags, 5)
    return {
      refs: found.hits.map(hit => hit.doc.ref),
      scores: found.hits.map(hit => hit.score),
      total: found.total,
      lunr: lunrHits.map(result => ({ ref: Number(result.ref), score: result.score })),
      shown: { count: shown.count, urls: shown.hits.map(hit => hit.url), marks: shown.hits.map(hit => hit.marks) }
    }
  })
}
process.stdout.write(JSON.stringify(out))
