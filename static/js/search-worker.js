/* Search worker: loads the search data a query needs and answers queries off the main thread.
 *
 * Started by search.js as `new Worker(root + 'assets/js/search-worker.js')` (http(s) only:
 * Chromium starts no worker from file://, where search.js searches in the page instead).
 * Messages in:  {type: 'load', scripts: [lunr, core] as absolute URLs, data: absolute URL of search/}
 *               {type: 'search', id, query, tags, limit, withTags}
 * Messages out: {type: 'ready'} | {type: 'error', message} | {type: 'results', id, results}
 *               | {type: 'failed', id, message}
 */
'use strict'

var searcher = null

self.onmessage = function (event) {
  var message = event.data
  if (message.type === 'load') {
    try {
      importScripts.apply(self, message.scripts)
      searcher = self.siteSearchCore(self.lunr).createSearcher(function (name) {
        importScripts(message.data + name + '.js')
        return self.siteSearchData[name]
      })
      searcher.ready.then(function () {
        self.postMessage({ type: 'ready' })
      }, function (error) {
        self.postMessage({ type: 'error', message: String(error && error.message || error) })
      })
    } catch (error) {
      self.postMessage({ type: 'error', message: String(error && error.message || error) })
    }
  } else if (message.type === 'search' && searcher) {
    searcher.results(message.query, message.tags, message.limit, message.withTags).then(function (results) {
      self.postMessage({ type: 'results', id: message.id, results: results })
    }, function (error) {
      self.postMessage({ type: 'failed', id: message.id, message: String(error && error.message || error) })
    })
  }
}
