/* Filters and order for the lists of papers: status (the reader's marks first, then the page's),
 * starred, has code, several tags (all must hold), a listing date range; order by listing date,
 * published date or title. Over every paper of the list, not the page on screen: the papers come
 * from desk-data.js (a script, so it loads from file:// too), fetched when the filters are
 * opened or the URL asks for them. State lives in the URL (`?status=unread&tag=a&tag=b`), the
 * back button restores it, nothing reloads. On the search page the results found are filtered
 * and ordered in place (search.js narrows by tag itself).
 *
 * Classic deferred script, after desk.js. Cards are built as DOM nodes, never from HTML text;
 * titles with math are copied from an inert parsed document, MathML elements only.
 */
(function () {
  'use strict'
  var holder = document.querySelector('details.desk-filters')
  var desk = self.siteDesk
  if (!holder || !desk) return

  var MATHML = 'http://www.w3.org/1998/Math/MathML'
  var MATH_ATTRIBUTES = new Set(['display', 'mathvariant', 'stretchy', 'fence', 'separator', 'lspace',
    'rspace', 'accent', 'accentunder', 'form', 'largeop', 'movablelimits', 'symmetric', 'linethickness',
    'displaystyle', 'scriptlevel', 'notation', 'open', 'close', 'separators', 'encoding'])
  var PARAMS = ['status', 'starred', 'code', 'tag', 'from', 'to', 'order']
  var STEP = 100
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  var root = document.documentElement.getAttribute('data-root') || ''
  var fileProtocol = location.protocol === 'file:'
  var scope = holder.getAttribute('data-scope') || 'all'
  var onSearch = scope === 'search'
  var form = holder.querySelector('form')
  var tagBox = holder.querySelector('.desk-tag-buttons')
  var countBox = holder.nextElementSibling && holder.nextElementSibling.classList.contains('desk-count') ? holder.nextElementSibling : null
  var list = document.querySelector('.desk-list')
  var main = document.getElementById('main')
  var collator = null // made when first needed: creating one costs more than the rest of the start

  var data = null
  var loading = null
  var state = readUrl()
  var results = null
  var shownLimit = STEP

  function emptyState () {
    return { status: '', starred: false, code: false, tags: [], from: '', to: '', order: '' }
  }

  function isDefault (s) {
    return !s.status && !s.starred && !s.code && !s.tags.length && !s.from && !s.to && !s.order
  }

  function readUrl () {
    var params = new URLSearchParams(location.search)
    var s = emptyState()
    s.status = desk.statuses.indexOf(params.get('status')) >= 0 ? params.get('status') : ''
    s.starred = params.get('starred') === '1'
    s.code = params.get('code') === '1'
    s.tags = onSearch ? [] : params.getAll('tag').filter(function (tag, index, all) { return tag && all.indexOf(tag) === index })
    s.from = /^\d{4}-\d{2}-\d{2}$/.test(params.get('from') || '') ? params.get('from') : ''
    s.to = /^\d{4}-\d{2}-\d{2}$/.test(params.get('to') || '') ? params.get('to') : ''
    s.order = ['published', 'title'].indexOf(params.get('order')) >= 0 ? params.get('order') : ''
    return s
  }

  function writeUrl (push) {
    var params = new URLSearchParams(location.search)
    PARAMS.forEach(function (name) { if (name !== 'tag' || !onSearch) params.delete(name) })
    if (state.status) params.set('status', state.status)
    if (state.starred) params.set('starred', '1')
    if (state.code) params.set('code', '1')
    state.tags.forEach(function (tag) { params.append('tag', tag) })
    if (state.from) params.set('from', state.from)
    if (state.to) params.set('to', state.to)
    if (state.order) params.set('order', state.order)
    var search = params.toString()
    var url = (search ? '?' + search : location.pathname) + location.hash
    if ('?' + search === location.search || (!search && !location.search)) return
    try {
      history[push ? 'pushState' : 'replaceState'](null, '', url)
    } catch (error) { /* file:// may refuse; the filters still work */ }
  }

  function loadData () {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        if (self.siteDeskData) { resolve(); return }
        var script = document.createElement('script')
        script.src = holder.getAttribute('data-data')
        script.onload = function () { resolve() }
        script.onerror = function () { loading = null; reject(new Error('could not load the papers')) }
        document.head.appendChild(script)
      }).then(function () {
        data = self.siteDeskData
        data.tagLabels = new Map(data.tags)
        data.bySlug = new Map(data.papers.map(function (paper, index) { paper.n = index; return [paper.u, paper] }))
        data.papers.forEach(function (paper) { desk.rebase(paper.i, paper.s || 'unread', !!paper.f) })
        data.scoped = data.papers.filter(inScope)
        return data
      })
    }
    return loading
  }

  function inScope (paper) {
    var cut = scope.indexOf(':')
    var kind = cut < 0 ? scope : scope.slice(0, cut)
    var value = scope.slice(cut + 1)
    if (kind === 'tag') return (paper.g || []).indexOf(value) >= 0
    if (kind === 'date') return (paper.d || []).indexOf(value) >= 0
    if (kind === 'author') return (paper.a || []).indexOf(value) >= 0
    return true
  }

  /* Whether a paper passes the filters of s, leaving out the one named by `skip`. */
  function passes (paper, s, skip) {
    if (skip !== 'status' && s.status && desk.status(paper.i, paper.s) !== s.status) return false
    if (skip !== 'starred' && s.starred && !desk.starred(paper.i, paper.f)) return false
    if (skip !== 'code' && s.code && !paper.c) return false
    if (s.tags.length) {
      var tags = paper.g || []
      for (var i = 0; i < s.tags.length; i++) if (tags.indexOf(s.tags[i]) < 0) return false
    }
    if (s.from || s.to) {
      var dates = paper.d || []
      var inRange = dates.some(function (day) { return (!s.from || day >= s.from) && (!s.to || day <= s.to) })
      if (!inRange) return false
    }
    return true
  }

  function sorted (papers) {
    var copy = papers.slice()
    if (state.order === 'title') {
      collator = collator || new Intl.Collator(document.documentElement.lang || 'en', { sensitivity: 'base', numeric: true })
      copy.sort(function (a, b) { return collator.compare(a.t, b.t) || a.n - b.n })
    } else if (state.order === 'published') {
      copy.sort(function (a, b) {
        if (!a.p !== !b.p) return a.p ? -1 : 1
        return (a.p === b.p ? 0 : a.p > b.p ? -1 : 1) || a.n - b.n
      })
    }
    return copy
  }

  // --- the form --------------------------------------------------------------------------------

  function fillForm () {
    form.elements.status.value = state.status
    form.elements.starred.checked = state.starred
    form.elements.code.checked = state.code
    form.elements.from.value = state.from
    form.elements.to.value = state.to
    form.elements.order.value = state.order
  }

  function readForm () {
    var s = emptyState()
    s.status = form.elements.status.value
    s.starred = form.elements.starred.checked
    s.code = form.elements.code.checked
    s.tags = state.tags.slice()
    s.from = form.elements.from.value
    s.to = form.elements.to.value
    s.order = form.elements.order.value
    return s
  }

  function plural (count) { return count + (count === 1 ? ' paper' : ' papers') }

  /* Counts on every choice: how many papers each leaves; choices that leave none are disabled. */
  function updateChoices (pool) {
    var statusSelect = form.elements.status
    Array.prototype.forEach.call(statusSelect.options, function (option) {
      if (!option.value) return
      var count = pool.filter(function (paper) {
        return passes(paper, state, 'status') && desk.status(paper.i, paper.s) === option.value
      }).length
      option.textContent = option.value + ' (' + count + ')'
      option.disabled = count === 0 && state.status !== option.value
    })
    ;[['starred', function (paper) { return desk.starred(paper.i, paper.f) }], ['code', function (paper) { return !!paper.c }]].forEach(function (pair) {
      var box = form.elements[pair[0]]
      var count = pool.filter(function (paper) { return passes(paper, state, pair[0]) && pair[1](paper) }).length
      var label = box.parentNode
      var counter = label.querySelector('.desk-choice-count') || label.appendChild(document.createElement('span'))
      counter.className = 'desk-choice-count'
      counter.textContent = ' (' + count + ')'
      box.disabled = count === 0 && !box.checked
    })
    if (!tagBox) return
    var counts = new Map()
    pool.forEach(function (paper) {
      if (!passes(paper, state)) return
      ;(paper.g || []).forEach(function (tag) { counts.set(tag, (counts.get(tag) || 0) + 1) })
    })
    var present = new Set()
    pool.forEach(function (paper) { (paper.g || []).forEach(function (tag) { present.add(tag) }) })
    var buttons = []
    data.tags.forEach(function (pair) {
      var id = pair[0]
      var on = state.tags.indexOf(id) >= 0
      if (!present.has(id) || scope === 'tag:' + id) return
      var count = counts.get(id) || 0
      var button = document.createElement('button')
      button.type = 'button'
      button.className = 'desk-tag'
      button.setAttribute('data-tag', id)
      button.setAttribute('aria-pressed', on ? 'true' : 'false')
      button.disabled = count === 0 && !on
      button.append(document.createTextNode(pair[1] + ' '), element('span', 'desk-tag-count', String(count)))
      button.setAttribute('aria-label', pair[1] + ', ' + plural(count))
      buttons.push(button)
    })
    var focused = document.activeElement && document.activeElement.getAttribute('data-tag')
    tagBox.replaceChildren.apply(tagBox, buttons)
    if (focused) {
      var again = tagBox.querySelector('[data-tag="' + CSS.escape(focused) + '"]')
      if (again) again.focus()
    }
  }

  // --- cards -------------------------------------------------------------------------------------

  function element (tag, className, text) {
    var node = document.createElement(tag)
    if (className) node.className = className
    if (text !== undefined) node.textContent = text
    return node
  }

  function href (url) {
    return root + url + (fileProtocol && /\/$/.test(url) ? 'index.html' : '')
  }

  function dayText (iso) {
    var parts = iso.split('-')
    return Number(parts[2]) + ' ' + MONTHS[Number(parts[1]) - 1] + ' ' + parts[0]
  }

  function copyMath (source, target) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === 3) {
        target.appendChild(document.createTextNode(node.data))
      } else if (node.nodeType === 1) {
        if (node.namespaceURI === MATHML && node.localName !== 'annotation-xml') {
          var copy = document.createElementNS(MATHML, node.localName)
          Array.prototype.forEach.call(node.attributes, function (attribute) {
            if (MATH_ATTRIBUTES.has(attribute.name)) copy.setAttribute(attribute.name, attribute.value)
          })
          copyMath(node, copy)
          target.appendChild(copy)
        } else if (node.namespaceURI !== MATHML) {
          copyMath(node, target)
        }
      }
    })
  }

  function card (paper) {
    var item = element('li', 'paper-card')
    var article = element('article')
    var headingId = 'desk-card-' + paper.i
    article.setAttribute('aria-labelledby', headingId)
    var heading = element('h2', 'paper-title')
    heading.id = headingId
    var link = element('a')
    link.href = href('papers/' + paper.u + '/')
    if (paper.h) copyMath(new DOMParser().parseFromString('<!doctype html><body>' + paper.h, 'text/html').body, link)
    else link.textContent = paper.t
    heading.appendChild(link)
    var meta = element('p', 'paper-meta')
    var dates = paper.d || []
    if (dates.length) {
      var time = element('time', '', dayText(dates[dates.length - 1]))
      time.setAttribute('datetime', dates[dates.length - 1])
      meta.appendChild(time)
    } else {
      meta.appendChild(element('span', 'undated', 'undated'))
    }
    if (paper.p) meta.append(' ', element('span', 'desk-published', 'published ' + dayText(paper.p)))
    if (paper.c) {
      var code = element('a', 'code-link', 'Code')
      code.href = paper.c
      code.rel = 'noopener'
      code.appendChild(element('span', 'visually-hidden', ' for this paper'))
      meta.append(' ', code)
    }
    article.append(heading, meta)
    if (paper.g && paper.g.length) {
      var tags = element('ul', 'tag-list')
      tags.setAttribute('aria-label', 'Tags')
      paper.g.forEach(function (id) {
        var li = element('li')
        var a = element('a', 'tag', data.tagLabels.get(id) || id)
        a.href = href('tags/' + id + '/')
        li.appendChild(a)
        tags.appendChild(li)
      })
      article.appendChild(tags)
    }
    var marks = element('div', 'desk-card')
    marks.setAttribute('data-id', paper.i)
    marks.setAttribute('data-status', paper.s || 'unread')
    if (paper.f) marks.setAttribute('data-starred', '')
    article.appendChild(marks)
    desk.cardControls(marks)
    item.appendChild(article)
    return item
  }

  // --- showing the results -------------------------------------------------------------------

  function serverParts () {
    return Array.prototype.slice.call(main.querySelectorAll('.desk-list, .pager'))
  }

  function setCount (text) {
    if (!countBox) return
    countBox.textContent = text
    countBox.classList.toggle('visually-hidden', !text)
  }

  function showServerList () {
    serverParts().forEach(function (part) { part.hidden = false })
    if (results) results.hidden = true
  }

  function renderList (matches) {
    if (!results) {
      results = element('div', 'desk-results')
      list.parentNode.insertBefore(results, list)
    }
    var ol = element('ol', 'paper-list')
    matches.slice(0, shownLimit).forEach(function (paper) { ol.appendChild(card(paper)) })
    var parts = [ol]
    if (matches.length > shownLimit) {
      var more = element('button', 'desk-more', 'Show ' + Math.min(STEP, matches.length - shownLimit) + ' more')
      more.type = 'button'
      more.addEventListener('click', function () {
        var first = shownLimit
        shownLimit += STEP
        render()
        var next = results.querySelectorAll('.paper-card .paper-title a')[first]
        if (next) next.focus()
      })
      parts.push(more)
    }
    results.replaceChildren.apply(results, parts)
    results.hidden = false
    serverParts().forEach(function (part) { part.hidden = true })
  }

  /* Search page: hide the hits that fail the filters and order the rest, in place. */
  function filterSearchHits () {
    var box = document.getElementById('search-results')
    var listBox = box && box.querySelector('ol')
    if (!listBox) return
    var hits = Array.prototype.slice.call(listBox.children)
    var kept = []
    hits.forEach(function (hit) {
      var link = hit.querySelector('a.search-result-link')
      var slug = link ? (link.getAttribute('href').match(/papers\/([^/]+)\//) || [])[1] : null
      var paper = slug ? data.bySlug.get(slug) : null
      var keep = !paper || passes(paper, state)
      hit.hidden = !keep
      if (keep) kept.push([hit, paper])
    })
    if (state.order) {
      var order = sorted(kept.filter(function (pair) { return pair[1] }).map(function (pair) { return pair[1] }))
      var rank = new Map(order.map(function (paper, index) { return [paper, index] }))
      kept.sort(function (a, b) { return (a[1] ? rank.get(a[1]) : 1e9) - (b[1] ? rank.get(b[1]) : 1e9) })
      kept.forEach(function (pair) { listBox.appendChild(pair[0]) })
    }
    setCount(isDefault(state) ? '' : kept.length + ' of ' + plural(hits.length) + ' found pass the filters.')
  }

  function render () {
    if (!data) return
    var pool = onSearch ? searchPool() : data.scoped
    updateChoices(pool)
    if (onSearch) { filterSearchHits(); return }
    if (isDefault(state)) {
      showServerList()
      setCount('')
      return
    }
    var matches = sorted(data.scoped.filter(function (paper) { return passes(paper, state) }))
    renderList(matches)
    setCount(matches.length + ' of ' + plural(data.scoped.length) + ' in this list ' +
      (matches.length === 1 ? 'matches' : 'match') + '.')
  }

  function searchPool () {
    var box = document.getElementById('search-results')
    var links = box ? box.querySelectorAll('a.search-result-link') : []
    var pool = []
    Array.prototype.forEach.call(links, function (link) {
      var slug = (link.getAttribute('href').match(/papers\/([^/]+)\//) || [])[1]
      var paper = slug && data.bySlug.get(slug)
      if (paper) pool.push(paper)
    })
    return pool
  }

  function start () {
    return loadData().then(render, function () {
      setCount('The filters could not load their data.')
    })
  }

  // --- events ----------------------------------------------------------------------------------

  form.addEventListener('change', function (event) {
    if (event.target.type === 'file') return
    state = readForm()
    shownLimit = STEP
    writeUrl(true)
    start()
  })
  form.addEventListener('submit', function (event) { event.preventDefault() })
  form.addEventListener('reset', function () {
    setTimeout(function () {
      state = emptyState()
      shownLimit = STEP
      writeUrl(true)
      fillForm()
      start()
    })
  })
  if (tagBox) {
    tagBox.addEventListener('click', function (event) {
      var button = event.target.closest('button[data-tag]')
      if (!button || button.disabled) return
      var id = button.getAttribute('data-tag')
      state = readForm()
      state.tags = state.tags.indexOf(id) >= 0 ? state.tags.filter(function (tag) { return tag !== id }) : state.tags.concat([id])
      shownLimit = STEP
      writeUrl(true)
      start()
    })
  }
  holder.addEventListener('toggle', function () { if (holder.open) start() })
  window.addEventListener('popstate', function () {
    state = readUrl()
    shownLimit = STEP
    fillForm()
    if (!isDefault(state)) holder.open = true
    if (data || !isDefault(state)) start()
  })
  desk.onChange(function () { if (data) updateChoices(onSearch ? searchPool() : data.scoped) })
  if (onSearch) {
    var box = document.getElementById('search-results')
    if (box) new MutationObserver(function () { if (data) render() }).observe(box, { childList: true })
  }

  fillForm()
  if (!isDefault(state)) {
    holder.open = true
    start()
  }
})()
