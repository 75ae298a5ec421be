// Node side of tests/test_search.py: run the shipped core with the real lunr.js 2.3.9 over the
// search files Python built, and compare its scoring with lunr's Index.query on the same
// clauses over the index lunr.py built.
// Usage: node tests/search_parity.mjs INPUT.json  ->  JSON on stdout.
// INPUT: {files: {name: data}, serialized: lunr.py index, texts: [str], words: [str],
//         queries: [[query, [tagIds]]]}
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
let index = null
if (input.serialized) {
  // lunr.py orders terms as Python does; lunr.js's TokenSet builder needs JS string order.
  const serialized = { ...input.serialized, invertedIndex: [...input.serialized.invertedIndex].sort((x, y) => x[0] < y[0] ? -1 : 1) }
  index = lunr.Index.load(serialized)
}
if (input.files) {
  out.results = []
  for (const [query, tags] of input.queries || []) {
    // A fresh searcher per query: `requested` is what a cold page fetches for it.
    const requested = []
    const searcher = core.createSearcher(name => {
      if (!(name in input.files)) throw new Error('no search file ' + name)
      requested.push(name)
      return input.files[name]
    })
    const found = await searcher.search(query, tags, true)
    const words = found.words
    const lunrHits = !index || !words.length || !words.every(w => w.matches.length) ? [] : index.query(q => {
      for (const w of words) {
        q.term(w.exact, { usePipeline: false, boost: 10 })
        q.term(w.prefix, { usePipeline: false, boost: 2 })
        q.term(w.fuzzy, { usePipeline: false, boost: 1 })
      }
    }).filter(result => words.every(w => w.matches.some(term => term in result.matchData.metadata)))
    const shown = await searcher.results(query, tags, 5, true)
    out.results.push({
      refs: found.hits.map(hit => hit.ref),
      scores: found.hits.map(hit => hit.score),
      total: found.total,
      fuzzy: words.map(w => w.fuzzy),
      lunr: lunrHits.map(result => ({ ref: Number(result.ref), score: result.score })),
      shown: { count: shown.count, urls: shown.hits.map(hit => hit.url), marks: shown.hits.map(hit => hit.marks) },
      tagCounts: shown.tagCounts,
      requested
    })
  }
}
process.stdout.write(JSON.stringify(out))
