/* Site search: as-you-type dropdown in the header box, full results on search/.
 *
 * Classic script (works from file://, where module scripts do not): load with
 *   <script src="{root}assets/js/search.js" defer></script>
 * Nothing is downloaded until the box is focused or typed in (or the search page opens);
 * then lunr.js, the shared core and the two data scripts load from the site itself.
 * Content never reaches innerHTML: text goes in as text nodes, titles' MathML is copied
 * element by element from an inert parsed document, keeping only MathML tags and attributes.
 */
(function () {
  'use strict'

  var MATHML = 'http://www.w3.org/1998/Math/MathML'
  var MATH_TAGS = new Set(['math', 'mi', 'mn', 'mo', 'ms', 'mtext', 'mspace', 'mrow', 'mfrac', 'msqrt',
    'mroot', 'mstyle', 'merror', 'mpadded', 'mphantom', 'mfenced', 'menclose', 'msub', 'msup', 'msubsup',
    'munder', 'mover', 'munderover', 'mmultiscripts', 'mprescripts', 'none', 'mtable', 'mtr', 'mtd',
    'semantics', 'annotation'])
  var MATH_ATTRIBUTES = new Set(['display', 'mathvariant', 'mathsize', 'stretchy', 'fence', 'separator',
    'lspace', 'rspace', 'accent', 'accentunder', 'form', 'largeop', 'movablelimits', 'symmetric',
    'minsize', 'maxsize', 'width', 'height', 'depth', 'linethickness', 'columnalign', 'rowalign',
    'columnspan', 'rowspan', 'displaystyle', 'scriptlevel', 'notation', 'open', 'close', 'separators',
    'encoding'])
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
  var searcher = null
  var activeTags = []
  var active = -1
  var lastRun = 0
  var timer = 0
  var shown = null // the query (and tags) now on screen, so a repeat run keeps the selection

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

  /* Load lunr, the core and the data once; resolve with the searcher. */
  function load () {
    if (!loading) {
      form.setAttribute('data-search-state', 'loading')
      var data = self.siteSearchData || {}
      loading = Promise.all([
        self.lunr ? null : loadScript(root + 'assets/vendor/lunr.min.js'),
        self.siteSearchCore ? null : loadScript(root + 'assets/js/lunr-pipeline.js'),
        data.index ? null : loadScript(root + 'search/index.js'),
        data.docs ? null : loadScript(root + 'search/docs.js')
      ]).then(function () {
        var core = self.siteSearchCore(self.lunr)
        searcher = core.createSearcher(self.siteSearchData.index, self.siteSearchData.docs)
        form.setAttribute('data-search-state', 'ready')
        return searcher
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

  function appendHighlighted (parent, text, hit, found) {
    searcher.highlight(text, { words: found.words, terms: hit.terms }).forEach(function (piece) {
      parent.appendChild(piece.mark ? element('mark', '', piece.text) : document.createTextNode(piece.text))
    })
  }

  /* Copy parsed title HTML: text and whitelisted MathML only; other elements give their text. */
  function copySafe (source, target, hit, found, inMath) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === 3) {
        if (inMath) target.appendChild(document.createTextNode(node.data))
        else appendHighlighted(target, node.data, hit, found)
      } else if (node.nodeType === 1) {
        if (node.namespaceURI === MATHML && MATH_TAGS.has(node.localName)) {
          var copy = document.createElementNS(MATHML, node.localName)
          Array.prototype.forEach.call(node.attributes, function (attribute) {
            if (MATH_ATTRIBUTES.has(attribute.name)) copy.setAttribute(attribute.name, attribute.value)
          })
          copySafe(node, copy, hit, found, true)
          target.appendChild(copy)
        } else if (node.localName !== 'annotation-xml') {
          copySafe(node, target, hit, found, inMath)
        }
      }
    })
  }

  function renderTitle (parent, hit, found) {
    var doc = hit.doc
    if (doc.titleHtml) {
      var parsed = new DOMParser().parseFromString('<!doctype html><body>' + doc.titleHtml, 'text/html')
      copySafe(parsed.body, parent, hit, found, false)
    } else {
      appendHighlighted(parent, doc.title, hit, found)
    }
  }

  function renderItem (hit, found, position, full) {
    var item = element('li', 'search-result')
    item.id = (full ? 'search-result-' : 'site-search-option-') + position
    item.setAttribute('role', 'option')
    item.setAttribute('aria-selected', 'false')
    var link = element('a', 'search-result-link')
    link.href = pageUrl(hit.doc.url)
    link.tabIndex = -1
    renderTitle(link, hit, found)
    item.appendChild(link)
    var meta = element('div', 'search-result-meta')
    if (hit.doc.date) {
      var time = element('time', '', hit.doc.date)
      time.setAttribute('datetime', hit.doc.date)
      meta.appendChild(time)
    }
    hit.doc.tags.forEach(function (tag) { meta.appendChild(element('span', 'search-result-tag', tag.label)) })
    if (meta.childNodes.length) item.appendChild(meta)
    if (full && hit.doc.excerpt) {
      var snippet = element('p', 'search-result-snippet')
      appendHighlighted(snippet, hit.doc.excerpt, hit, found)
      item.appendChild(snippet)
    }
    return item
  }

  function items () {
    var box = onSearchPage ? resultsBox : panel
    return box ? box.querySelectorAll('li.search-result') : []
  }

  function setActive (position) {
    var list = items()
    if (!list.length) { active = -1; input.removeAttribute('aria-activedescendant'); return }
    active = Math.max(-1, Math.min(position, list.length - 1))
    list.forEach(function (item, i) {
      item.classList.toggle('is-active', i === active)
      item.setAttribute('aria-selected', i === active ? 'true' : 'false')
    })
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', list[active].id)
      list[active].scrollIntoView({ block: 'nearest' })
    } else {
      input.removeAttribute('aria-activedescendant')
    }
  }

  function onKeyDown (event) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (!items().length) return
      event.preventDefault()
      if (!onSearchPage) openPanel()
      setActive(active + (event.key === 'ArrowDown' ? 1 : -1))
    } else if (event.key === 'Enter' && active >= 0) {
      var link = items()[active].querySelector('a')
      if (link) { event.preventDefault(); location.href = link.href }
    } else if (event.key === 'Escape' && !onSearchPage) {
      closePanel()
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

  // --- dropdown on every other page ----------------------------------------------------------

  var panel = null

  function openPanel () {
    if (!panel) return
    panel.hidden = false
    input.setAttribute('aria-expanded', 'true')
  }

  function closePanel () {
    if (!panel) return
    panel.hidden = true
    input.setAttribute('aria-expanded', 'false')
    setActive(-1)
  }

  function renderPanel () {
    var query = input.value
    if (!query.trim()) { closePanel(); panel.replaceChildren(); shown = null; return }
    load().then(function (s) {
      if (input.value !== query || shown === query) return
      shown = query
      var found = s.search(query, [])
      var list = element('ul', 'search-panel-list')
      found.hits.slice(0, DROPDOWN_LIMIT).forEach(function (hit, i) { list.appendChild(renderItem(hit, found, i, false)) })
      var footer = element('p', 'search-panel-footer')
      if (!found.hits.length) {
        footer.textContent = 'No papers match \u201c' + query.trim() + '\u201d.'
      } else {
        var all = element('a', '', found.hits.length > DROPDOWN_LIMIT
          ? 'All ' + found.hits.length + ' results' : 'Open on the search page')
        all.href = searchTarget(query)
        footer.appendChild(all)
      }
      panel.replaceChildren(list, footer)
      active = -1
      openPanel()
    })
  }

  function searchTarget (query) {
    return root + 'search/' + (fileProtocol ? 'index.html' : '') + searchPageUrl(query, [])
  }

  function setUpDropdown () {
    panel = element('div', 'search-panel')
    panel.id = 'site-search-panel'
    panel.setAttribute('role', 'listbox')
    panel.setAttribute('aria-label', 'Search results')
    panel.hidden = true
    if (getComputedStyle(form).position === 'static') form.style.position = 'relative'
    panel.style.cssText = 'position:absolute;top:100%;left:0;z-index:20;min-width:min(32rem,90vw);' +
      'max-height:70vh;overflow:auto;background:Canvas;color:CanvasText;border:1px solid GrayText;'
    form.appendChild(panel)
    input.setAttribute('aria-controls', panel.id)
    input.addEventListener('input', function () { schedule(renderPanel) })
    input.addEventListener('focus', function () { if (input.value.trim() && panel.childNodes.length) openPanel() })
    form.addEventListener('focusout', function (event) {
      if (!form.contains(event.relatedTarget)) closePanel()
    })
    panel.addEventListener('mousedown', function (event) { event.preventDefault() }) // keep focus
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
    if (!searcher) setStatus('Loading search\u2026')
    var key = JSON.stringify([query, activeTags])
    load().then(function (s) {
      if (input.value !== query || shown === key) return
      shown = key
      var found = s.search(query, activeTags)
      renderTags(found)
      var list = element('ol', 'search-results-list')
      list.setAttribute('role', 'listbox')
      list.setAttribute('aria-label', 'Search results')
      found.hits.slice(0, PAGE_LIMIT).forEach(function (hit, i) { list.appendChild(renderItem(hit, found, i, true)) })
      resultsBox.replaceChildren(list)
      active = -1
      input.removeAttribute('aria-activedescendant')
      var listed = Math.min(found.hits.length, PAGE_LIMIT)
      var quoted = '\u201c' + query.trim() + '\u201d'
      var narrowed = activeTags.length ? ' with the selected tags' : ''
      if (!query.trim() && !activeTags.length) {
        setStatus('Type to search titles, tags and abstracts.')
      } else if (!found.hits.length) {
        setStatus((query.trim() ? 'No papers match ' + quoted : 'No papers') + narrowed +
          '. Try fewer or shorter words' + (activeTags.length ? ', or clear a tag.' : '.'))
      } else {
        setStatus(found.hits.length + (found.hits.length === 1 ? ' paper' : ' papers') +
          (query.trim() ? ' match ' + quoted : '') + narrowed +
          (listed < found.hits.length ? '; showing the first ' + listed + '.' : '.'))
      }
    }, function () {
      setStatus('Search could not load. Reload the page to try again.')
    })
  }

  function setUpSearchPage () {
    input.setAttribute('aria-controls', 'search-results')
    readUrl()
    renderPage()
    input.addEventListener('input', function () { schedule(function () { writeUrl(false); renderPage() }) })
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      clearTimeout(timer)
      writeUrl(true)
      renderPage()
    })
    window.addEventListener('popstate', function () { readUrl(); renderPage() })
  }

  // --- everywhere -----------------------------------------------------------------------------

  input.setAttribute('role', 'combobox')
  input.setAttribute('aria-autocomplete', 'list')
  input.setAttribute('aria-expanded', 'false')
  input.addEventListener('focus', function () { load().catch(function () {}) })
  input.addEventListener('keydown', onKeyDown)
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
