/* Search worker: builds the index and answers queries off the page's main thread.
 *
 * Started by search.js as `new Worker(root + 'assets/js/search-worker.js')` (http(s) only:
 * Chromium starts no worker from file://, where search.js searches in the page instead).
 * Messages in:  {type: 'load', scripts: [lunr, core, index data, docs data] as absolute URLs}
 *               {type: 'search', id, query, tags, limit}
 * Messages out: {type: 'ready'} | {type: 'error', message} | {type: 'results', id, results}
 */
'use strict'

var searcher = null

self.onmessage = function (event) {
  var message = event.data
  if (message.type === 'load') {
    try {
      importScripts.apply(self, message.scripts)
      searcher = self.siteSearchCore(self.lunr).createSearcher(self.siteSearchData.index, self.siteSearchData.docs)
      self.postMessage({ type: 'ready' })
    } catch (error) {
      self.postMessage({ type: 'error', message: String(error && error.message || error) })
    }
  } else if (message.type === 'search' && searcher) {
    self.postMessage({ type: 'results', id: message.id, results: searcher.results(message.query, message.tags, message.limit) })
  }
}
