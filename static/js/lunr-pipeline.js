/* Search core shared by the browser (search.js) and the Node parity test.
 *
 * Mirrors site_builder/search.py: the same tokenizer (fold case and accents, split on
 * anything that is not a Unicode letter or digit) and the same registered pipeline
 * function `siteBuilderTerm` (lunr's stop words, then lunr's own stemmer, of which
 * search.py carries an exact port). Rebuilds a lunr.Index from the compact postings.
 * Classic script: defines self.siteSearchCore(lunr); in Node, module.exports.
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory
  else root.siteSearchCore = factory
})(typeof self !== 'undefined' ? self : this, function (lunr) {
  'use strict'

  var PIPELINE_FUNCTION = 'siteBuilderTerm'
  var PREFIX_LIMIT = 60
  var STOP_WORDS = new Set(('a able about across after all almost also am among an and any are as at be ' +
    'because been but by can cannot could dear did do does either else ever every for from get got had ' +
    'has have he her hers him his how however i if in into is it its just least let like likely may me ' +
    'might most must my neither no nor not of off often on only or other our own rather said say says ' +
    'she should since so some than that the their them then there these they this tis to too twas us ' +
    'wants was we were what when where which while who whom why will with would yet you your').split(' '))
  var MARKS = /\p{M}/gu
  var SEPARATORS = /[^\p{L}\p{N}]+/u
  var WORD = /[\p{L}\p{N}\p{M}]+/gu

  function fold (text) {
    return text.toLowerCase().normalize('NFKD').replace(MARKS, '').toLowerCase()
  }

  function tokenize (text) {
    return fold(String(text)).split(SEPARATORS).filter(Boolean)
  }

  function reduceWord (word) {
    if (STOP_WORDS.has(word)) return undefined
    return lunr.stemmer(new lunr.Token(word)).toString() || undefined
  }

  function siteBuilderTerm (token) {
    var word = token.toString()
    if (STOP_WORDS.has(word)) return undefined
    return lunr.stemmer(token)
  }

  if (!lunr.Pipeline.registeredFunctions[PIPELINE_FUNCTION]) {
    lunr.Pipeline.registerFunction(siteBuilderTerm, PIPELINE_FUNCTION)
  }

  /* Return the object lunr.Index.load expects, rebuilt from compact postings the way
   * lunr.Builder computes it (BM25 with the index's k1 and b, scores rounded to 3 places). */
  function toSerializedIndex (data) {
    var n = data.documentCount
    var fields = data.fields
    var terms = data.terms === '' ? [] : data.terms.split(' ')
    var k1 = data.k1
    var b = data.b
    var perField = data.postings.map(function (s) { return terms.length ? s.split(';') : [] })
    var docTerms = fields.map(function () { var a = new Array(n); for (var i = 0; i < n; i++) a[i] = []; return a })
    var lengths = fields.map(function () { return new Float64Array(n) })
    var idf = new Float64Array(terms.length)
    var invertedIndex = new Array(terms.length)
    for (var t = 0; t < terms.length; t++) {
      var posting = { _index: t }
      var withTerm = 0
      for (var f = 0; f < fields.length; f++) {
        var docs = {}
        var encoded = perField[f][t]
        if (encoded) {
          var entries = encoded.split(',')
          var doc = -1
          for (var e = 0; e < entries.length; e++) {
            var entry = entries[e]
            var dot = entry.indexOf('.')
            var tf = 1
            if (dot >= 0) { tf = parseInt(entry.slice(dot + 1), 36); entry = entry.slice(0, dot) }
            doc += parseInt(entry, 36)
            docs[doc] = {}
            docTerms[f][doc].push(t, tf)
            lengths[f][doc] += tf
            withTerm++
          }
        }
        posting[fields[f]] = docs
      }
      idf[t] = Math.log(1 + Math.abs((n - withTerm + 0.5) / (withTerm + 0.5)))
      invertedIndex[t] = [terms[t], posting]
    }
    var fieldVectors = []
    for (f = 0; f < fields.length; f++) {
      var total = 0
      for (var d = 0; d < n; d++) total += lengths[f][d]
      var average = total / n
      var boost = data.boosts[f] || 1
      for (d = 0; d < n; d++) {
        var pairs = docTerms[f][d]
        var elements = new Array(pairs.length)
        for (var p = 0; p < pairs.length; p += 2) {
          var freq = pairs[p + 1]
          var score = idf[pairs[p]] * ((k1 + 1) * freq) /
            (k1 * (1 - b + b * (lengths[f][d] / average)) + freq)
          score *= boost
          elements[p] = pairs[p]
          elements[p + 1] = Math.round(score * 1000) / 1000
        }
        fieldVectors.push([fields[f] + '/' + d, elements])
      }
    }
    // TokenSet.Builder needs JS string order; search.py ships it so, but never trust it.
    for (t = 1; t < terms.length; t++) {
      if (terms[t - 1] >= terms[t]) { invertedIndex.sort(function (x, y) { return x[0] < y[0] ? -1 : 1 }); break }
    }
    return { version: lunr.version, fields: fields, fieldVectors: fieldVectors, invertedIndex: invertedIndex, pipeline: data.pipeline }
  }

  /* Return a searcher over a loaded index and the docs table. */
  function createSearcher (indexData, docsData) {
    var index = lunr.Index.load(toSerializedIndex(indexData))
    var tags = docsData.tags.map(function (pair) { return { id: pair[0], label: pair[1] } })
    var docs = docsData.docs.map(function (row, position) {
      return { ref: position, url: row[0], title: row[1], titleHtml: row[2] || null, date: row[3], tags: row[4].map(function (i) { return tags[i] }), excerpt: row[5] }
    })

    var documentFrequency = new Map()
    Object.keys(index.invertedIndex).forEach(function (term) {
      var posting = index.invertedIndex[term]
      var count = 0
      for (var field in posting) if (field !== '_index') count += Object.keys(posting[field]).length
      documentFrequency.set(term, count)
    })
    function byFrequency (a, b) { return documentFrequency.get(b) - documentFrequency.get(a) || (a < b ? -1 : 1) }

    /* Return the index terms a query word may match: [exact, prefix, fuzzy], each a list.
     * Short prefixes can match thousands of terms; keep the most frequent PREFIX_LIMIT. */
    function expand (word, term) {
      var exact = term && index.invertedIndex[term] ? [term] : []
      var prefix = []
      var fuzzy = []
      if (word.length >= 2) {
        prefix = index.tokenSet.intersect(lunr.TokenSet.fromString(word + '*')).toArray()
          .filter(function (t) { return t !== term })
        if (prefix.length > PREFIX_LIMIT) prefix = prefix.sort(byFrequency).slice(0, PREFIX_LIMIT)
      }
      if (term && term.length >= 5) {
        fuzzy = index.tokenSet.intersect(lunr.TokenSet.fromFuzzyString(term, 1)).toArray()
          .filter(function (t) { return t !== term && prefix.indexOf(t) < 0 })
      }
      return [exact, prefix, fuzzy]
    }

    /* Return the query's words, each with its term and the index terms it may match. */
    function parse (query) {
      var seen = new Set()
      var words = []
      tokenize(query).forEach(function (word) {
        if (seen.has(word)) return
        seen.add(word)
        var term = index.pipeline.runString(word)[0]
        if (term === undefined) return // a stop word
        var found = expand(word, term)
        words.push({ word: word, term: term, exact: found[0], prefix: found[1], fuzzy: found[2], matches: found[0].concat(found[1], found[2]) })
      })
      return words
    }

    /* Every word must match (exactly, as a prefix, or within one edit when 5+ letters long);
     * lunr scores the survivors, exact matches first. Tag ids narrow the results (all must hold). */
    function search (query, tagIds) {
      var words = parse(query)
      tagIds = tagIds || []
      var hits = []
      if (words.length && words.every(function (w) { return w.matches.length })) {
        var results = index.query(function (q) {
          words.forEach(function (w) {
            q.term(w.exact, { usePipeline: false, boost: 10 })
            q.term(w.prefix, { usePipeline: false, boost: 2 })
            q.term(w.fuzzy, { usePipeline: false, boost: 1 })
          })
        })
        results.forEach(function (result) {
          var matched = result.matchData.metadata
          var ok = words.every(function (w) { return w.matches.some(function (term) { return term in matched }) })
          if (ok) hits.push({ doc: docs[Number(result.ref)], score: result.score, terms: Object.keys(matched) })
        })
      } else if (!words.length && tagIds.length && !tokenize(query).length) {
        hits = docs.map(function (doc) { return { doc: doc, score: 0, terms: [] } })
      }
      var counts = new Map()
      hits.forEach(function (hit) { hit.doc.tags.forEach(function (tag) { counts.set(tag.id, (counts.get(tag.id) || 0) + 1) }) })
      var filtered = hits.filter(function (hit) {
        return tagIds.every(function (id) { return hit.doc.tags.some(function (tag) { return tag.id === id }) })
      })
      return {
        words: words,
        hits: filtered,
        total: hits.length,
        tagCounts: tags.map(function (tag) { return { id: tag.id, label: tag.label, count: counts.get(tag.id) || 0 } })
      }
    }

    /* Split text into [{text, mark}] pieces, marking words whose term was matched or which
     * start with a query word (the prefix being typed). */
    function highlight (text, search) {
      var matched = new Set(search.terms)
      var prefixes = search.words.map(function (w) { return w.word }).filter(function (w) { return w.length >= 2 })
      var pieces = []
      var last = 0
      var match
      WORD.lastIndex = 0
      while ((match = WORD.exec(text))) {
        var hit = tokenize(match[0]).some(function (word) {
          var term = reduceWord(word)
          return (term !== undefined && matched.has(term)) || prefixes.some(function (p) { return word.startsWith(p) })
        })
        if (!hit) continue
        if (match.index > last) pieces.push({ text: text.slice(last, match.index), mark: false })
        pieces.push({ text: match[0], mark: true })
        last = match.index + match[0].length
      }
      if (last < text.length) pieces.push({ text: text.slice(last), mark: false })
      return pieces
    }

    return { index: index, docs: docs, tags: tags, parse: parse, search: search, highlight: highlight }
  }

  return {
    PIPELINE_FUNCTION: PIPELINE_FUNCTION,
    fold: fold,
    tokenize: tokenize,
    reduceWord: reduceWord,
    toSerializedIndex: toSerializedIndex,
    createSearcher: createSearcher
  }
})
