// Small enhancements that need no library. The site works without them.
// A classic deferred script (not a module), so it also runs from file://.
(function () {
  'use strict'
  // Opened from disk (file://), folders do not resolve to their index.html: point links at it.
  if (location.protocol !== 'file:') return
  document.querySelectorAll('a[href]').forEach(function (link) {
    var href = link.getAttribute('href')
    if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.charAt(0) === '#') return
    var cut = href.search(/[?#]/)
    var path = cut < 0 ? href : href.slice(0, cut)
    var rest = cut < 0 ? '' : href.slice(cut)
    if (path === '' || path.charAt(path.length - 1) === '/') link.setAttribute('href', (path || './') + 'index.html' + rest)
  })
})()
