// Small enhancements that need no library. The site works without them.

// Opened from disk (file://), folders do not resolve to their index.html: point links at it.
if (location.protocol === "file:") {
  for (const link of document.querySelectorAll("a[href]")) {
    const href = link.getAttribute("href");
    if (!/^[a-z]+:/i.test(href) && !href.startsWith("#")) {
      const [path, rest = ""] = href.split(/(?=[?#])/);
      if (path === "" || path.endsWith("/")) link.setAttribute("href", `${path || "./"}index.html${rest}`);
    }
  }
}
