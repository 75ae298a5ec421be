/* Search core shared by the browser (search.js, search-worker.js) and the Node parity test.
 *
 * Mirrors site_builder/search.py: the same tokenizer (fold case and accents, split on
 * anything that is not a Unicode letter or digit) and the same registered pipeline
 * function `siteBuilderTerm` (lunr's stop words, then lunr's own stemmer, of which
 * search.py carries an exact port). Rebuilds a lunr.Index from the compact postings.
 * Classic script: defines self.siteSearchCore(lunr); in Node, module.exports. The
 * tokenizer and `markPieces` are also properties of siteSearchCore itself, usable without
 * lunr (the page highlights results that a worker found).
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory()
  else root.siteSearchCore = factory()
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict'

  var PIPELINE_FUNCTION = 'siteBuilderTerm'
  /* Most prefix expansions kept for a word of 1, 2, 3 and 4+ letters. A short prefix such as
   * "di" matches thousands of terms and most documents; the most frequent few stand for it. */
  var PREFIX_LIMITS = [0, 0, 6, 20, 60]
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

  /* Split text into [{text, mark}] pieces, marking the words whose folded form is in `marks`. */
  function markPieces (text, marks) {
    var marked = marks instanceof Set ? marks : new Set(marks)
    var pieces = []
    var last = 0
    var match
    WORD.lastIndex = 0
    while ((match = WORD.exec(text))) {
      if (!tokenize(match[0]).some(function (word) { return marked.has(word) })) continue
      if (match.index > last) pieces.push({ text: text.slice(last, match.index), mark: false })
      pieces.push({ text: match[0], mark: true })
      last = match.index + match[0].length
    }
    if (last < text.length) pieces.push({ text: text.slice(last), mark: false })
    return pieces
  }

  function core (lunr) {
    var reduced = new Map()

    function reduceWord (word) {
      if (STOP_WORDS.has(word)) return undefined
      if (!reduced.has(word)) reduced.set(word, lunr.stemmer(new lunr.Token(word)).toString() || undefined)
      return reduced.get(word)
    }

    function siteBuilderTerm (token) {
      var word = token.toString()
      if (STOP_WORDS.has(word)) return undefined
      return lunr.stemmer(token)
    }

    if (!lunr.Pipeline.registeredFunctions[PIPELINE_FUNCTION]) {
      lunr.Pipeline.registerFunction(siteBuilderTerm, PIPELINE_FUNCTION)
    }

    /* Rebuild from compact postings what lunr.Builder would have built (BM25 with the
     * index's k1 and b, scores rounded to 3 places): the object lunr.Index.load expects and,
     * per field, the same scores as flat impact lists (term t's documents and their scores
     * are docs[f] and scores[f] from offsets[f][t] to offsets[f][t + 1]). */
    function rebuild (data) {
      var n = data.documentCount
      var fields = data.fields
      var terms = data.terms === '' ? [] : data.terms.split(' ')
      var k1 = data.k1
      var b = data.b
      var perField = data.postings.map(function (s) { return terms.length ? s.split(';') : [] })
      var docTerms = fields.map(function () { var a = new Array(n); for (var i = 0; i < n; i++) a[i] = []; return a })
      var lengths = fields.map(function () { return new Float64Array(n) })
      var offsets = fields.map(function () { return new Int32Array(terms.length + 1) })
      var flatDocs = fields.map(function () { return [] })
      var idf = new Float64Array(terms.length)
      var invertedIndex = new Array(terms.length)
      for (var t = 0; t < terms.length; t++) {
        var posting = { _index: t }
        var withTerm = 0
        for (var f = 0; f < fields.length; f++) {
          var docs = {}
          var encoded = perField[f][t]
          offsets[f][t] = flatDocs[f].length
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
              flatDocs[f].push(doc)
              withTerm++
            }
          }
          posting[fields[f]] = docs
        }
        idf[t] = Math.log(1 + Math.abs((n - withTerm + 0.5) / (withTerm + 0.5)))
        invertedIndex[t] = [terms[t], posting]
      }
      var fieldVectors = []
      var scores = []
      for (f = 0; f < fields.length; f++) {
        offsets[f][terms.length] = flatDocs[f].length
        var fieldScores = new Float64Array(flatDocs[f].length)
        var filled = new Int32Array(terms.length)
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
            fieldScores[offsets[f][pairs[p]] + filled[pairs[p]]++] = elements[p + 1]
          }
          fieldVectors.push([fields[f] + '/' + d, elements])
        }
        scores.push(fieldScores)
      }
      // TokenSet.Builder needs JS string order; search.py ships it so, but never trust it.
      var sorted = true
      for (t = 1; t < terms.length; t++) {
        if (terms[t - 1] >= terms[t]) { sorted = false; break }
      }
      if (!sorted) invertedIndex.sort(function (x, y) { return x[0] < y[0] ? -1 : 1 })
      return {
        serialized: { version: lunr.version, fields: fields, fieldVectors: fieldVectors, invertedIndex: invertedIndex, pipeline: data.pipeline },
        terms: terms,
        sortedTerms: sorted ? terms : invertedIndex.map(function (pair) { return pair[0] }),
        offsets: offsets,
        docs: flatDocs.map(function (list) { return Int32Array.from(list) }),
        scores: scores
      }
    }

    function toSerializedIndex (data) {
      return rebuild(data).serialized
    }

    /* Return a searcher over a loaded index and the docs table. */
    function createSearcher (indexData, docsData) {
      var built = rebuild(indexData)
      var index = lunr.Index.load(built.serialized)
      var n = indexData.documentCount
      var fieldCount = indexData.fields.length
      var termIds = new Map(built.terms.map(function (term, t) { return [term, t] }))
      var sortedTerms = built.sortedTerms
      var offsets = built.offsets
      var postingDocs = built.docs
      var postingScores = built.scores
      var tags = docsData.tags.map(function (pair) { return { id: pair[0], label: pair[1] } })
      var docs = docsData.docs.map(function (row, position) {
        return { ref: position, url: row[0], title: row[1], titleHtml: row[2] || null, date: row[3], tags: row[4].map(function (i) { return tags[i] }), excerpt: row[5] }
      })

      function documentFrequency (term) {
        var t = termIds.get(term)
        var count = 0
        for (var f = 0; f < fieldCount; f++) count += offsets[f][t + 1] - offsets[f][t]
        return count
      }

      /* Return the index terms that start with word (JS string order, binary search). */
      function termsStartingWith (word) {
        var low = 0
        var high = sortedTerms.length
        while (low < high) {
          var middle = (low + high) >> 1
          if (sortedTerms[middle] < word) low = middle + 1; else high = middle
        }
        var found = []
        for (var i = low; i < sortedTerms.length && sortedTerms[i].startsWith(word); i++) found.push(sortedTerms[i])
        return found
      }

      /* Return the index terms a query word may match: [exact, prefix, fuzzy], each a list.
       * Short prefixes can match thousands of terms: keep the most frequent few (PREFIX_LIMITS). */
      function expand (word, term) {
        var exact = term && termIds.has(term) ? [term] : []
        var limit = PREFIX_LIMITS[Math.min(word.length, PREFIX_LIMITS.length - 1)]
        var prefix = []
        var fuzzy = []
        if (limit) {
          prefix = termsStartingWith(word).filter(function (t) { return t !== term })
          if (prefix.length > limit) {
            var frequency = new Map(prefix.map(function (t) { return [t, documentFrequency(t)] }))
            prefix = prefix.sort(function (a, b) { return frequency.get(b) - frequency.get(a) || (a < b ? -1 : 1) }).slice(0, limit)
          }
        }
        // Typos only when the word matches nothing as it is: "poinc" must not bring in "point".
        if (term && term.length >= 5 && !exact.length && !prefix.length) {
          fuzzy = index.tokenSet.intersect(lunr.TokenSet.fromFuzzyString(term, 1)).toArray()
            .filter(function (t) { return t !== term })
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

      /* Return the refs of the documents matching every word, best first, scored as lunr's
       * Index.query scores a query whose clauses are the words' terms (boost 10 exact, 2 prefix,
       * 1 fuzzy): per field, the dot product of the query vector and the field vector over the
       * query vector's length, summed over fields. Walking flat postings instead of running
       * lunr's query keeps a common word at 10,000 papers to a few milliseconds. */
      function score (words) {
        var boosts = new Map()
        words.forEach(function (w) {
          [[w.exact, 10], [w.prefix, 2], [w.fuzzy, 1]].forEach(function (pair) {
            pair[0].forEach(function (term) { boosts.set(term, (boosts.get(term) || 0) + pair[1]) })
          })
        })
        var norm = 0
        boosts.forEach(function (boost) { norm += boost * boost })
        norm = Math.sqrt(norm)
        var totals = new Float64Array(n)
        var matched = new Int32Array(n)
        var lastWord = new Int32Array(n).fill(-1)
        var scored = new Set()
        words.forEach(function (w, i) {
          w.matches.forEach(function (term) {
            var t = termIds.get(term)
            var boost = scored.has(term) ? 0 : boosts.get(term)
            scored.add(term)
            for (var f = 0; f < fieldCount; f++) {
              var list = postingDocs[f]
              var values = postingScores[f]
              for (var p = offsets[f][t], end = offsets[f][t + 1]; p < end; p++) {
                var d = list[p]
                totals[d] += boost * values[p]
                if (lastWord[d] !== i) { lastWord[d] = i; matched[d]++ }
              }
            }
          })
        })
        var refs = []
        for (var d = 0; d < n; d++) if (matched[d] === words.length) refs.push(d)
        refs.sort(function (a, b) { return totals[b] - totals[a] || a - b })
        return refs.map(function (ref) { return { doc: docs[ref], score: totals[ref] / norm } })
      }

      /* Every word must match: exactly, as a prefix, or (when it matches neither way and its
       * term has 5+ letters) within one edit. Tag ids narrow the results (all must hold). */
      function search (query, tagIds) {
        var words = parse(query)
        tagIds = tagIds || []
        var hits = []
        if (words.length && words.every(function (w) { return w.matches.length })) {
          hits = score(words)
        } else if (!words.length && tagIds.length && !tokenize(query).length) {
          hits = docs.map(function (doc) { return { doc: doc, score: 0 } })
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

      function hasTerm (ref, term) {
        var t = termIds.get(term)
        for (var f = 0; f < fieldCount; f++) {
          var list = postingDocs[f]
          var low = offsets[f][t]
          var high = offsets[f][t + 1]
          while (low < high) {
            var middle = (low + high) >> 1
            if (list[middle] < ref) low = middle + 1; else high = middle
          }
          if (low < offsets[f][t + 1] && list[low] === ref) return true
        }
        return false
      }

      /* Return the folded words of a hit's title and excerpt to highlight: those whose term the
       * document matched, and those starting with a query word (the prefix being typed). */
      function marksFor (doc, words) {
        var terms = new Set()
        words.forEach(function (w) { w.matches.forEach(function (term) { if (hasTerm(doc.ref, term)) terms.add(term) }) })
        var prefixes = words.map(function (w) { return w.word }).filter(function (w) { return w.length >= 2 })
        var marks = new Set()
        tokenize(doc.title + ' ' + doc.excerpt).forEach(function (word) {
          if (marks.has(word)) return
          var term = reduceWord(word)
          if ((term !== undefined && terms.has(term)) || prefixes.some(function (p) { return word.startsWith(p) })) marks.add(word)
        })
        return Array.from(marks)
      }

      /* Return what a results list shows, as plain data (it crosses from the worker): the
       * first `limit` hits with the words to highlight, how many matched, tag counts. */
      function results (query, tagIds, limit) {
        var found = search(query, tagIds)
        return {
          query: query,
          tags: tagIds,
          words: found.words.length,
          count: found.hits.length,
          total: found.total,
          tagCounts: found.tagCounts,
          hits: found.hits.slice(0, limit).map(function (hit) {
            var doc = hit.doc
            return { url: doc.url, title: doc.title, titleHtml: doc.titleHtml, date: doc.date, tags: doc.tags, excerpt: doc.excerpt, marks: marksFor(doc, found.words) }
          })
        }
      }

      return { index: index, docs: docs, tags: tags, parse: parse, search: search, results: results }
    }

    return {
      PIPELINE_FUNCTION: PIPELINE_FUNCTION,
      fold: fold,
      tokenize: tokenize,
      markPieces: markPieces,
      reduceWord: reduceWord,
      toSerializedIndex: toSerializedIndex,
      createSearcher: createSearcher
    }
  }

  core.PIPELINE_FUNCTION = PIPELINE_FUNCTION
  core.fold = fold
  core.tokenize = tokenize
  core.markPieces = markPieces
  return core
})
