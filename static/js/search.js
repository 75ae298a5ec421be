/* Site search: as-you-type dropdown in the header box, full results on search/.
 *
 * Classic script (works from file://, where module scripts do not): load with
 *   <script src="{root}assets/js/search.js" defer></script>
 * Nothing is downloaded until the box is focused or typed in, or the search page opens with a
 * query or tag in its URL; then only search/meta.js, and per query the shards it needs. Over http(s) the index is built and queried in a Web Worker
 * (assets/js/search-worker.js), so the page stays responsive while it loads; from file://,
 * where workers cannot start, lunr.js, the shared core and the data scripts load in the page.
 * Results are a plain list of links: Down from the box moves focus to the first, Up/Down move
 * between them, Enter follows the focused link, Escape returns to the box.
 * Content never reaches innerHTML: text goes in as text nodes, titles' MathML is copied
 * element by element from an inert parsed document, keeping only MathML tags and attributes.
 */
(function () {
  'use strict'

  var MATHML = 'http://www.w3.org/1998/Math/MathML'
  // The MathML allowlist of the engine (site_builder/latex.py), shipped as assets/js/mathml.js.
  var ALLOWED_MATHML = window.SITE_MATHML || { elements: [], attributes: [] }
  var MATH_TAGS = new Set(ALLOWED_MATHML.elements)
  var MATH_ATTRIBUTES = new Set(ALLOWED_MATHML.attributes)
  var THROTTLE_MS = 80
  var DROPDOWN_LIMIT = 8
  var PAGE_LIMIT = 50

  var html = document.documentElement
  var root = html.getAttribute('data-root') || ''
  var form = document.querySelector('form.site-search')
  var input = document.getElementById('site-search-q')
  if (!form || !input) return
  var resultsBox = document.getElementById('search-results')
  var tagsBox = document.getElementById('search-tags')
  var statusBox = document.getElementById('search-status')
  var onSearchPage = !!resultsBox
  var fileProtocol = location.protocol === 'file:'

  var loading = null
  var ready = false
  var activeTags = []
  var lastRun = 0
  var timer = 0
  var shown = null // the query (and tags) now on screen, so a repeat run changes nothing

  function loadScript (src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script')
      script.src = src
      script.async = true
      script.onload = function () { resolve() }
      script.onerror = function () { reject(new Error('could not load ' + src)) }
      document.head.appendChild(script)
    })
  }

  function absolute (path) {
    return new URL(root + path, location.href).href
  }

  /* Resolve with a backend whose run(query, tags, limit, withTags) answers in a worker. */
  function startWorker () {
    return new Promise(function (resolve, reject) {
      var worker = new Worker(root + 'assets/js/search-worker.js')
      var pending = new Map()
      var next = 0
      function fail (error) { worker.terminate(); reject(error) }
      worker.onmessage = function (event) {
        var message = event.data
        var done = pending.get(message.id)
        if (message.type === 'results' || message.type === 'failed') {
          pending.delete(message.id)
          if (done && message.type === 'results') done[0](message.results)
          else if (done) done[1](new Error(message.message))
        } else if (message.type === 'ready') {
          resolve({
            run: function (query, tags, limit, withTags) {
              return new Promise(function (resolveRun, rejectRun) {
                pending.set(++next, [resolveRun, rejectRun])
                worker.postMessage({ type: 'search', id: next, query: query, tags: tags, limit: limit, withTags: !!withTags })
              })
            }
          })
        } else if (message.type === 'error') {
          fail(new Error(message.message))
        }
      }
      worker.onerror = function (event) { event.preventDefault(); fail(new Error('the search worker failed')) }
      worker.postMessage({
        type: 'load',
        scripts: ['assets/vendor/lunr.min.js', 'assets/js/lunr-pipeline.js'].map(absolute),
        data: absolute('search/')
      })
    })
  }

  /* Resolve with a backend that searches in the page (file://, or when the worker fails):
   * each data file is a script that registers itself in self.siteSearchData. */
  function startInPage () {
    return (self.lunr ? Promise.resolve() : loadScript(root + 'assets/vendor/lunr.min.js')).then(function () {
      var searcher = self.siteSearchCore(self.lunr).createSearcher(function (name) {
        var data = self.siteSearchData || {}
        if (data[name]) return data[name]
        return loadScript(root + 'search/' + name + '.js').then(function () { return self.siteSearchData[name] })
      })
      return searcher.ready.then(function () {
        return { run: function (query, tags, limit, withTags) { return searcher.results(query, tags, limit, withTags) } }
      })
    })
  }

  /* Load the search once; resolve with the backend. The page itself only needs the core's
   * tokenizer, to highlight what the backend found. */
  function load () {
    if (!loading) {
      form.setAttribute('data-search-state', 'loading')
      var core = self.siteSearchCore ? null : loadScript(root + 'assets/js/lunr-pipeline.js')
      var backend = !fileProtocol && typeof Worker === 'function'
        ? (core || Promise.resolve()).then(startWorker).catch(function () { return (core || Promise.resolve()).then(startInPage) })
        : (core || Promise.resolve()).then(startInPage)
      loading = backend.then(function (found) {
        ready = true
        form.setAttribute('data-search-state', 'ready')
        return found
      }, function (error) {
        form.setAttribute('data-search-state', 'error')
        loading = null
        throw error
      })
    }
    return loading
  }

  function pageUrl (url) {
    return root + url + (fileProtocol && /\/$/.test(url) ? 'index.html' : '')
  }

  function searchPageUrl (query, tags) {
    var params = new URLSearchParams()
    if (query) params.set('q', query)
    tags.forEach(function (tag) { params.append('tag', tag) })
    var search = params.toString()
    return search ? '?' + search : '?'
  }

  function element (tag, className, text) {
    var node = document.createElement(tag)
    if (className) node.className = className
    if (text !== undefined) node.textContent = text
    return node
  }

  function appendHighlighted (parent, text, marks) {
    self.siteSearchCore.markPieces(text, marks).forEach(function (piece) {
      parent.appendChild(piece.mark ? element('mark', '', piece.text) : document.createTextNode(piece.text))
    })
  }

  /* Copy parsed title HTML: text and whitelisted MathML only; other elements give their text. */
  function copySafe (source, target, marks, inMath) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === 3) {
        if (inMath) target.appendChild(document.createTextNode(node.data))
        else appendHighlighted(target, node.data, marks)
      } else if (node.nodeType === 1) {
        if (node.namespaceURI === MATHML && MATH_TAGS.has(node.localName)) {
          var copy = document.createElementNS(MATHML, node.localName)
          Array.prototype.forEach.call(node.attributes, function (attribute) {
            if (MATH_ATTRIBUTES.has(attribute.name)) copy.setAttribute(attribute.name, attribute.value)
          })
          copySafe(node, copy, marks, true)
          target.appendChild(copy)
        } else if (node.localName !== 'annotation-xml') {
          copySafe(node, target, marks, inMath)
        }
      }
    })
  }

  function renderTitle (parent, hit, marks) {
    if (hit.titleHtml) {
      var parsed = new DOMParser().parseFromString('<!doctype html><body>' + hit.titleHtml, 'text/html')
      copySafe(parsed.body, parent, marks, false)
    } else {
      appendHighlighted(parent, hit.title, marks)
    }
  }

  function renderItem (hit, full) {
    var marks = new Set(hit.marks)
    var item = element('li', 'search-result')
    var link = element('a', 'search-result-link')
    link.href = pageUrl(hit.url)
    renderTitle(link, hit, marks)
    item.appendChild(link)
    var meta = element('div', 'search-result-meta')
    if (hit.date) {
      var time = element('time', '', hit.date)
      time.setAttribute('datetime', hit.date)
      meta.appendChild(time)
    }
    hit.tags.forEach(function (tag) { meta.appendChild(element('span', 'search-result-tag', tag.label)) })
    if (meta.childNodes.length) item.appendChild(meta)
    if (full && hit.excerpt) {
      var snippet = element('p', 'search-result-snippet')
      appendHighlighted(snippet, hit.excerpt, marks)
      item.appendChild(snippet)
    }
    return item
  }

  function links () {
    var box = onSearchPage ? resultsBox : panel
    return box ? Array.prototype.slice.call(box.querySelectorAll('a.search-result-link')) : []
  }

  /* Down from the box focuses the first result. */
  function onInputKeyDown (event) {
    if (event.key === 'ArrowDown' && !event.altKey) {
      var list = links()
      if (!list.length) return
      event.preventDefault()
      if (!onSearchPage) openPanel()
      list[0].focus()
    } else if (event.key === 'Escape' && panel && !panel.hidden) {
      event.preventDefault() // close the results, keep the text (a second Escape clears it)
      closePanel()
    }
  }

  /* Roving focus over the result links: Up/Down move, Up from the first and Escape go back to
   * the box, typing a character goes back to the box with it. Enter is the link's own. */
  function onResultsKeyDown (event) {
    var list = links()
    var at = list.indexOf(event.target)
    if (at < 0 || event.ctrlKey || event.metaKey || event.altKey) return
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      var next = at + (event.key === 'ArrowDown' ? 1 : -1)
      if (next < 0) input.focus()
      else list[Math.min(next, list.length - 1)].focus()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      input.focus()
      if (!onSearchPage) closePanel()
    } else if (event.key.length === 1 && event.key !== ' ') {
      input.focus() // the character lands in the box
    }
  }

  /* Run now when idle, otherwise at most every THROTTLE_MS, always with the latest text. */
  function schedule (run) {
    clearTimeout(timer)
    var wait = lastRun + THROTTLE_MS - performance.now()
    if (wait <= 0) { lastRun = performance.now(); run() } else {
      timer = setTimeout(function () { lastRun = performance.now(); run() }, wait)
    }
  }

  function countText (found, listed) {
    return found.count + (found.count === 1 ? ' paper' : ' papers') +
      (listed < found.count ? ', showing ' + listed + ' of ' + found.count : '')
  }

  // --- dropdown on every other page ----------------------------------------------------------

  var panel = null
  var panelStatus = null

  function openPanel () {
    if (panel) panel.hidden = false
  }

  function closePanel () {
    if (panel) panel.hidden = true
  }

  function renderPanel () {
    var query = input.value
    if (!query.trim()) { closePanel(); panel.replaceChildren(); panelStatus.textContent = ''; shown = null; return }
    load().then(function (backend) {
      return backend.run(query, [], DROPDOWN_LIMIT)
    }).then(function (found) {
      if (input.value !== query || shown === query) return
      shown = query
      var list = element('ul', 'search-panel-list')
      found.hits.forEach(function (hit) { list.appendChild(renderItem(hit, false)) })
      var footer = element('p', 'search-panel-footer')
      if (!found.count) {
        footer.textContent = 'No papers match \u201c' + query.trim() + '\u201d.'
        panelStatus.textContent = footer.textContent
      } else {
        var all = element('a', '', found.count > DROPDOWN_LIMIT ? 'All ' + found.count + ' results' : 'Open on the search page')
        all.href = searchTarget(query)
        footer.appendChild(all)
        panelStatus.textContent = countText(found, found.hits.length) + '. Down arrow for the results.'
      }
      panel.replaceChildren(list, footer)
      openPanel()
    }).catch(function () {
      panelStatus.textContent = 'Search could not load.'
    })
  }

  function searchTarget (query) {
    return root + 'search/' + (fileProtocol ? 'index.html' : '') + searchPageUrl(query, [])
  }

  function setUpDropdown () {
    panel = element('div', 'search-panel')
    panel.id = 'site-search-panel'
    panel.hidden = true
    if (getComputedStyle(form).position === 'static') form.style.position = 'relative'
    panel.style.cssText = 'position:absolute;top:100%;left:0;z-index:20;min-width:min(32rem,90vw);' +
      'max-height:70vh;overflow:auto;background:Canvas;color:CanvasText;border:1px solid GrayText;'
    panelStatus = element('p', 'visually-hidden')
    panelStatus.setAttribute('role', 'status')
    form.appendChild(panelStatus)
    form.appendChild(panel)
    input.setAttribute('aria-controls', panel.id)
    input.addEventListener('input', function () { schedule(renderPanel) })
    input.addEventListener('focus', function () { if (input.value.trim() && panel.querySelector('li')) openPanel() })
    form.addEventListener('focusout', function (event) {
      if (!form.contains(event.relatedTarget)) closePanel()
    })
    panel.addEventListener('mousedown', function (event) { event.preventDefault() }) // keep focus
    panel.addEventListener('keydown', onResultsKeyDown)
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      location.href = searchTarget(input.value)
    })
  }

  // --- search page ----------------------------------------------------------------------------

  function readUrl () {
    var params = new URLSearchParams(location.search)
    input.value = params.get('q') || ''
    activeTags = params.getAll('tag')
  }

  function writeUrl (push) {
    var url = searchPageUrl(input.value, activeTags)
    if (url === location.search || (url === '?' && !location.search)) return
    try {
      history[push ? 'pushState' : 'replaceState'](null, '', url)
    } catch (error) { /* file:// may refuse; the page still works */ }
  }

  function renderTags (found) {
    if (!tagsBox) return
    var chips = element('div', 'search-tag-chips')
    chips.setAttribute('role', 'group')
    chips.setAttribute('aria-label', 'Narrow by tag')
    found.tagCounts.forEach(function (tag) {
      var on = activeTags.indexOf(tag.id) >= 0
      if (!tag.count && !on) return
      var chip = element('button', 'search-tag-chip')
      chip.type = 'button'
      chip.setAttribute('aria-pressed', on ? 'true' : 'false')
      chip.setAttribute('data-tag', tag.id)
      chip.appendChild(document.createTextNode(tag.label + ' '))
      chip.appendChild(element('span', 'search-tag-count', String(tag.count)))
      chip.addEventListener('click', function () {
        activeTags = on ? activeTags.filter(function (id) { return id !== tag.id }) : activeTags.concat([tag.id])
        writeUrl(true)
        renderPage()
      })
      chips.appendChild(chip)
    })
    tagsBox.replaceChildren(chips)
  }

  function setStatus (text) {
    if (statusBox) statusBox.textContent = text
  }

  function renderPage () {
    var query = input.value
    var key = JSON.stringify([query, activeTags])
    if (!query.trim() && !activeTags.length) {
      // Nothing to search for: no need to load the index.
      if (shown === key) return
      shown = key
      if (tagsBox) tagsBox.replaceChildren()
      resultsBox.replaceChildren()
      setStatus('Type to search titles, tags and abstracts.')
      return
    }
    if (!ready) setStatus('Loading search\u2026')
    var tags = activeTags.slice()
    load().then(function (backend) {
      return backend.run(query, tags, PAGE_LIMIT, true)
    }).then(function (found) {
      if (JSON.stringify([input.value, activeTags]) !== key || shown === key) return
      shown = key
      renderTags(found)
      var list = element('ol', 'search-results-list')
      found.hits.forEach(function (hit) { list.appendChild(renderItem(hit, true)) })
      resultsBox.replaceChildren(list)
      var quoted = '\u201c' + query.trim() + '\u201d'
      var narrowed = activeTags.length ? ' with the selected tags' : ''
      if (!found.count) {
        setStatus((query.trim() ? 'No papers match ' + quoted : 'No papers') + narrowed +
          '. Try fewer or shorter words' + (activeTags.length ? ', or clear a tag.' : '.'))
      } else {
        var listed = found.hits.length
        setStatus(found.count + (found.count === 1 ? ' paper' : ' papers') +
          (query.trim() ? ' match ' + quoted : '') + narrowed +
          (listed < found.count ? '; showing ' + listed + ' of ' + found.count + '.' : '.'))
      }
    }, function () {
      setStatus('Search could not load. Reload the page to try again.')
    })
  }

  function setUpSearchPage () {
    input.setAttribute('aria-controls', 'search-results')
    readUrl()
    // Load the index now only if the URL asks for a search; otherwise on focus or typing.
    if (input.value.trim() || activeTags.length) renderPage()
    input.addEventListener('input', function () { schedule(function () { writeUrl(false); renderPage() }) })
    resultsBox.addEventListener('keydown', onResultsKeyDown)
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      clearTimeout(timer)
      writeUrl(true)
      renderPage()
    })
    window.addEventListener('popstate', function () { readUrl(); renderPage() })
  }

  // --- everywhere -----------------------------------------------------------------------------

  input.addEventListener('focus', function () { load().catch(function () {}) })
  input.addEventListener('keydown', onInputKeyDown)
  document.addEventListener('keydown', function (event) {
    if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return
    var target = event.target
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return
    event.preventDefault()
    input.focus()
    input.select()
  })
  if (onSearchPage) setUpSearchPage()
  else setUpDropdown()
})()
