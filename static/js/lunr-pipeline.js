/* Search core shared by the browser (search.js, search-worker.js) and the Node parity test.
 *
 * Mirrors site_builder/search/terms.py: the same tokenizer (fold case and accents, split on
 * anything that is not a Unicode letter or digit) and the same registered pipeline
 * function `siteBuilderTerm` (lunr's stop words, then lunr's own stemmer, of which
 * terms.py carries an exact port). Searches the sharded data that site_builder/search/shards.py
 * writes, loading per query only the word lists, postings and result blocks it needs.
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

  /* Whether b is within one edit of a: one letter inserted, deleted, replaced, or two
   * neighbours swapped (lunr.TokenSet.fromFuzzyString(a, 1) accepts the same strings). */
  function withinOneEdit (a, b) {
    if (a.length < b.length) { var t = a; a = b; b = t }
    if (a.length - b.length > 1) return false
    var i = 0
    while (i < b.length && a[i] === b[i]) i++
    if (a.length !== b.length) return a.slice(i + 1) === b.slice(i)
    if (i === a.length) return true
    if (a.slice(i + 1) === b.slice(i + 1)) return true
    return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)
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

    /* Return a searcher over the sharded search data. `load(name)` resolves with the data of
     * `search/<name>.js` ("meta", "w/d", "p/12", ...); each file is asked for once. */
    function createSearcher (load) {
      var files = new Map()
      function get (name) {
        if (!files.has(name)) {
          var loading = Promise.resolve().then(function () { return load(name) })
          loading.catch(function () { files.delete(name) })
          files.set(name, loading)
        }
        return files.get(name)
      }
      var meta = null
      var metaLoading = get('meta').then(function (data) {
        meta = data
        meta.shardStarts = data.shards === '' ? [] : data.shards.split(' ')
        meta.pairKeys = new Set(data.pairs)
        meta.firstKeys = new Set(data.firsts)
        meta.secondKeys = new Set(data.seconds)
        meta.tagList = data.tags.map(function (pair) { return { id: pair[0], label: pair[1] } })
        meta.averages = data.fieldLengths.map(function (total) { return total / data.documentCount })
        return meta
      })
      var wordLists = new Map()
      var postings = new Map()
      var blocks = new Map()
      var tagDocs = null

      /* Resolve with a word list: "x/di" terms starting with di (with frequencies), "w/d" those
       * starting with d, "s/d" those whose second character is d. */
      function words (kind, key) {
        var name = kind + '/' + key
        if (wordLists.has(name)) return Promise.resolve(wordLists.get(name))
        var present = kind === 'x' ? meta.pairKeys : kind === 'w' ? meta.firstKeys : meta.secondKeys
        if (!present.has(key)) return Promise.resolve({ terms: [] })
        return get(name).then(function (data) {
          var list = { terms: data.terms.split(' ') }
          if (data.df !== undefined) {
            list.df = new Map(list.terms.map(function (term, i) { return [term, parseInt(data.df.substr(2 * i, 2), 36)] }))
          }
          wordLists.set(name, list)
          return list
        })
      }

      /* Return the postings shard number holding a term (shards are runs of terms in JS order). */
      function shardOf (term) {
        var starts = meta.shardStarts
        var low = 0
        var high = starts.length
        while (low < high) {
          var middle = (low + high) >> 1
          if (starts[middle] <= term) low = middle + 1; else high = middle
        }
        return low - 1
      }

      /* Resolve when the postings of these terms are loaded and scored (lunr's BM25 as
       * lunr.Builder computes its field vectors: the index's k1 and b, rounded to 3 places). */
      function loadPostings (terms) {
        var shards = new Set()
        terms.forEach(function (term) { if (!postings.has(term)) shards.add(shardOf(term)) })
        return Promise.all(Array.from(shards).sort(function (a, b) { return a - b }).map(function (number) {
          return get('p/' + number).then(function (data) {
            var names = data.terms.split(' ')
            var perField = data.postings.map(function (s) { return s.split(';') })
            names.forEach(function (term, t) {
              if (!postings.has(term)) postings.set(term, decodeTerm(perField.map(function (list) { return list[t] })))
            })
          })
        }))
      }

      function decodeTerm (encoded) {
        var n = meta.documentCount
        var k1 = meta.k1
        var b = meta.b
        var parsed = encoded.map(function (s) { return s ? s.split(',') : [] })
        var withTerm = 0
        parsed.forEach(function (entries) { withTerm += entries.length })
        var idf = Math.log(1 + Math.abs((n - withTerm + 0.5) / (withTerm + 0.5)))
        return parsed.map(function (entries, f) {
          var docs = new Int32Array(entries.length)
          var scores = new Float64Array(entries.length)
          var average = meta.averages[f]
          var boost = meta.boosts[f] || 1
          var doc = -1
          for (var e = 0; e < entries.length; e++) {
            var parts = entries[e].split('.')
            doc += parseInt(parts[0], 36)
            var length = parseInt(parts[1], 36)
            var freq = parts.length > 2 ? parseInt(parts[2], 36) : 1
            var score = idf * ((k1 + 1) * freq) / (k1 * (1 - b + b * (length / average)) + freq)
            score *= boost
            docs[e] = doc
            scores[e] = Math.round(score * 1000) / 1000
          }
          return { docs: docs, scores: scores }
        })
      }

      function startOf (terms, word) {
        var low = 0
        var high = terms.length
        while (low < high) {
          var middle = (low + high) >> 1
          if (terms[middle] < word) low = middle + 1; else high = middle
        }
        return low
      }

      function keyOf (ch) {
        return /^[0-9a-z]$/.test(ch) ? ch : '_'
      }

      function pairOf (word) {
        return keyOf(word[0]) + (word.length > 1 ? keyOf(word[1]) : '')
      }

      /* Resolve with the index terms a query word may match: [exact, prefix, fuzzy], each a list.
       * Short prefixes can match thousands of terms: keep the most frequent few (PREFIX_LIMITS).
       * Typos only when the word matches nothing as it is: "poinc" must not bring in "point". */
      function expand (word, term) {
        return Promise.all([words('x', pairOf(word)), words('x', pairOf(term))]).then(function (lists) {
          var own = lists[1].terms
          var at = startOf(own, term)
          var exact = own[at] === term ? [term] : []
          var limit = PREFIX_LIMITS[Math.min(word.length, PREFIX_LIMITS.length - 1)]
          var prefix = []
          if (limit) {
            var list = lists[0]
            for (var i = startOf(list.terms, word); i < list.terms.length && list.terms[i].startsWith(word); i++) {
              if (list.terms[i] !== term) prefix.push(list.terms[i])
            }
            if (prefix.length > limit) {
              prefix = prefix.sort(function (x, y) { return list.df.get(y) - list.df.get(x) || (x < y ? -1 : 1) }).slice(0, limit)
            }
          }
          // Typos in words of 5+ letters as typed (their term may be shorter: "oline" -> "olin").
          if (word.length < 5 || term.length < 4 || exact.length || prefix.length) return [exact, prefix, []]
          // Within one edit of the term: same first letter (w/term[0]), or an edit at the start
          // (w/term[1]: a letter too many or swapped; s/term[0], s/term[1]: one missing or wrong).
          return Promise.all([
            words('w', keyOf(term[0])), words('w', keyOf(term[1])), words('s', keyOf(term[0])), words('s', keyOf(term[1]))
          ]).then(function (candidates) {
            var fuzzy = new Set()
            candidates.forEach(function (found) {
              found.terms.forEach(function (other) { if (other !== term && withinOneEdit(term, other)) fuzzy.add(other) })
            })
            // A letter missing from an ending the stemmer would have cut ("renderng" for
            // "rendering"): the term of 5+ letters the word starts with, 1-3 letters short of it.
            for (var cut = word.length - 1; cut >= Math.max(5, word.length - 3); cut--) {
              var stem = word.slice(0, cut)
              if (own[startOf(own, stem)] === stem) fuzzy.add(stem)
            }
            return [exact, prefix, Array.from(fuzzy).sort()]
          })
        })
      }

      /* Resolve with the query's words, each with its term and the index terms it may match;
       * the postings of every matched term are loaded. */
      function parse (query) {
        return metaLoading.then(function () {
          var seen = new Set()
          var found = []
          tokenize(query).forEach(function (word) {
            if (seen.has(word)) return
            seen.add(word)
            var term = reduceWord(word)
            if (term === undefined) return // a stop word
            found.push({ word: word, term: term })
          })
          return Promise.all(found.map(function (w) { return expand(w.word, w.term) }))
            .then(function (expanded) {
              var all = []
              found.forEach(function (w, i) {
                w.exact = expanded[i][0]
                w.prefix = expanded[i][1]
                w.fuzzy = expanded[i][2]
                w.matches = w.exact.concat(w.prefix, w.fuzzy)
                all = all.concat(w.matches)
              })
              return loadPostings(all).then(function () { return found })
            })
        })
      }

      /* Return the refs of the documents matching every word, best first, scored as lunr's
       * Index.query scores a query whose clauses are the words' terms (boost 10 exact, 2 prefix,
       * 1 fuzzy): per field, the dot product of the query vector and the field vector over the
       * query vector's length, summed over fields. */
      function score (words) {
        var n = meta.documentCount
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
        var candidates = []
        words.forEach(function (w, i) {
          w.matches.forEach(function (term) {
            var boost = scored.has(term) ? 0 : boosts.get(term)
            scored.add(term)
            postings.get(term).forEach(function (field) {
              var list = field.docs
              var values = field.scores
              for (var p = 0; p < list.length; p++) {
                var d = list[p]
                totals[d] += boost * values[p]
                if (lastWord[d] !== i) {
                  lastWord[d] = i
                  if (++matched[d] === words.length) candidates.push(d)
                }
              }
            })
          })
        })
        return { refs: candidates, totals: totals, norm: norm }
      }

      /* Return the `limit` best of refs (all, when no limit) as hits, best first: higher total,
       * then lower ref. A short prefix typed at 100,000 papers matches tens of thousands of
       * documents, of which a list shows a few: those are picked in one pass, not by sorting
       * all (what kept some keys above 50 ms). */
      function best (refs, totals, norm, limit) {
        function before (a, b) { return totals[a] > totals[b] || (totals[a] === totals[b] && a < b) }
        var top
        if (!(limit >= 0 && limit < refs.length)) {
          top = refs.slice().sort(function (a, b) { return before(a, b) ? -1 : 1 })
        } else {
          top = []
          for (var i = 0; i < refs.length && limit > 0; i++) {
            var d = refs[i]
            if (top.length === limit && !before(d, top[limit - 1])) continue
            var low = 0
            var high = top.length
            while (low < high) {
              var middle = (low + high) >> 1
              if (before(top[middle], d)) low = middle + 1; else high = middle
            }
            top.splice(low, 0, d)
            if (top.length > limit) top.pop()
          }
        }
        return top.map(function (ref) { return { ref: ref, score: totals[ref] / norm } })
      }

      /* Resolve with each document's tag numbers (search page: tag counts and filters). */
      function loadTags () {
        if (tagDocs) return Promise.resolve(tagDocs)
        return get('tags').then(function (data) {
          var perDoc = new Array(meta.documentCount)
          for (var d = 0; d < perDoc.length; d++) perDoc[d] = []
          data.docs.forEach(function (encoded, tag) {
            var doc = -1
            if (encoded) encoded.split(',').forEach(function (gap) { doc += parseInt(gap, 36); perDoc[doc].push(tag) })
          })
          tagDocs = perDoc
          return perDoc
        })
      }

      /* Resolve with {words, hits: [{ref, score}], count, total, tagCounts}. Every word must
       * match: exactly, as a prefix, or (when it matches neither way and its term has 5+
       * letters) within one edit. Tag ids narrow the results (all must hold); with `withTags`,
       * or tag ids given, the hits' tags are counted. `count` documents match the query and
       * tags, `total` the query alone; `hits` are all of the `count`, or the best `limit`. */
      function search (query, tagIds, withTags, limit) {
        tagIds = tagIds || []
        return parse(query).then(function (words) {
          var found = { refs: [], totals: null, norm: 1 }
          if (words.length && words.every(function (w) { return w.matches.length })) {
            found = score(words)
          } else if (!words.length && tagIds.length && !tokenize(query).length) {
            found = { refs: [], totals: new Float64Array(meta.documentCount), norm: 1 }
            for (var d = 0; d < meta.documentCount; d++) found.refs.push(d)
          }
          function answer (refs, tagCounts) {
            return {
              words: words,
              hits: best(refs, found.totals, found.norm, limit),
              count: refs.length,
              total: found.refs.length,
              tagCounts: tagCounts
            }
          }
          if (!withTags && !tagIds.length) return answer(found.refs, [])
          return loadTags().then(function (perDoc) {
            var counts = new Int32Array(meta.tagList.length)
            found.refs.forEach(function (ref) { perDoc[ref].forEach(function (tag) { counts[tag]++ }) })
            var wanted = tagIds.map(function (id) { return meta.tagList.findIndex(function (tag) { return tag.id === id }) })
            var filtered = found.refs.filter(function (ref) {
              return wanted.every(function (tag) { return perDoc[ref].indexOf(tag) >= 0 })
            })
            return answer(filtered, meta.tagList.map(function (tag, i) { return { id: tag.id, label: tag.label, count: counts[i] } }))
          })
        })
      }

      /* Resolve with the shown documents' data, from their blocks. */
      function documents (refs) {
        var size = meta.block
        var numbers = Array.from(new Set(refs.map(function (ref) { return Math.floor(ref / size) })))
        return Promise.all(numbers.map(function (number) {
          if (blocks.has(number)) return null
          return get('d/' + number).then(function (data) { blocks.set(number, data.docs) })
        })).then(function () {
          return refs.map(function (ref) {
            var row = blocks.get(Math.floor(ref / size))[ref % size]
            return {
              ref: ref,
              url: row[0],
              title: row[1],
              titleHtml: row[2] || null,
              date: row[3],
              tags: row[4].map(function (i) { return meta.tagList[i] }),
              excerpt: row[5]
            }
          })
        })
      }

      function hasTerm (ref, term) {
        return postings.get(term).some(function (field) {
          var list = field.docs
          var low = 0
          var high = list.length
          while (low < high) {
            var middle = (low + high) >> 1
            if (list[middle] < ref) low = middle + 1; else high = middle
          }
          return low < list.length && list[low] === ref
        })
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

      /* Resolve with what a results list shows, as plain data (it crosses from the worker): the
       * first `limit` hits with the words to highlight, how many matched, tag counts. */
      function results (query, tagIds, limit, withTags) {
        return search(query, tagIds, withTags, limit).then(function (found) {
          return documents(found.hits.map(function (hit) { return hit.ref })).then(function (docs) {
            return {
              query: query,
              tags: tagIds,
              words: found.words.length,
              count: found.count,
              total: found.total,
              tagCounts: found.tagCounts,
              hits: docs.map(function (doc) {
                return { url: doc.url, title: doc.title, titleHtml: doc.titleHtml, date: doc.date, tags: doc.tags, excerpt: doc.excerpt, marks: marksFor(doc, found.words) }
              })
            }
          })
        })
      }

      return { ready: metaLoading, parse: parse, search: search, results: results, documents: documents }
    }

    return {
      PIPELINE_FUNCTION: PIPELINE_FUNCTION,
      fold: fold,
      tokenize: tokenize,
      markPieces: markPieces,
      reduceWord: reduceWord,
      createSearcher: createSearcher
    }
  }

  core.PIPELINE_FUNCTION = PIPELINE_FUNCTION
  core.fold = fold
  core.tokenize = tokenize
  core.markPieces = markPieces
  core.withinOneEdit = withinOneEdit
  return core
})
