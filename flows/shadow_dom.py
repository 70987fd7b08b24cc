"""Reading the page as Playwright's locators see it, in the browser's own scripts: `querySelectorAll` and
`innerText` stop at a web component's shadow root, and a tool that renders its lists in web components would
read as empty. SHADOW_DOM_JS defines, for a script that includes it:

- `deepAll(root, css)`: the elements matching `css` in `root`, and in every open shadow root inside it (a CSS
  cannot span a shadow boundary: each tree is matched on its own), in document order per tree;
- `deepText(el)`: the element's text as shown, with the content of open shadow roots (and their slots) in place;
- `byId(el, id)`: the element `id` in `el`'s own tree (a shadow root or the document).
"""

from __future__ import annotations

SHADOW_DOM_JS = r"""
  const shadowHosts = root => [...(root.querySelectorAll ? root.querySelectorAll('*') : [])]
    .filter(el => el.shadowRoot);
  const deepAll = (root, css) => {
    const found = [...root.querySelectorAll(css)];
    const hosts = [...(root.shadowRoot ? [root] : []), ...shadowHosts(root)];
    for (const host of hosts) found.push(...deepAll(host.shadowRoot, css));
    return found;
  };
  const hasShadow = el => Boolean(el.shadowRoot) || shadowHosts(el).length > 0;
  const BLOCK = /^(block|flex|grid|list-item|table|table-row|table-caption|flow-root)/;
  const flatText = node => {
    if (node.nodeType === Node.TEXT_NODE) return node.data;
    if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return '';
    let style = null;
    if (node.nodeType === Node.ELEMENT_NODE) {
      style = getComputedStyle(node);
      if (style.display === 'none' || ['script', 'style', 'template'].includes(node.localName)) return '';
    }
    let kids = node.shadowRoot ? [...node.shadowRoot.childNodes] : [...node.childNodes];
    if (node.localName === 'slot') {
      const assigned = node.assignedNodes({ flatten: true });
      if (assigned.length) kids = assigned;
    }
    const inner = kids.map(flatText).join('');
    if (style && BLOCK.test(style.display)) return '\n' + inner + '\n';
    if (style && style.display === 'table-cell') return inner + '\t';
    return inner;
  };
  const deepText = el => {
    if (!hasShadow(el)) return el.innerText ?? el.textContent ?? '';
    return flatText(el).split('\n').map(line => line.replace(/\s+/g, ' ').trim()).filter(Boolean).join('\n');
  };
  const byId = (el, id) => (el.getRootNode().getElementById?.(id)) ?? el.ownerDocument.getElementById(id);
"""
